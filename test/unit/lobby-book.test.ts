import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLobbyBook } from "../../src/store/books.js";
import { openingLobby } from "../../core/lobby/record.js";
import { DEFAULT_HAIKU_RULES } from "../../core/challenge/judge.js";

const lobby = openingLobby(
  { key: "lobby:r1", code: "ABC", codeLabel: "friends", now: 1_700_000_000_000 },
  { topic: "rain", keyword: "puddle" },
  {
    maxTries: 3,
    lifetimeSec: 60,
    challengeDelaySec: 5,
    farewellDelaySec: 1,
    rules: DEFAULT_HAIKU_RULES,
    welcome: { uses: 0, linkBase: "" },
  },
).lobby;

async function bookFile(content: unknown): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), "anteroom-lobby-book-")), "lobby.json");
  await writeFile(path, JSON.stringify(content));
  return path;
}

test("entries anteroom did not make are left out of the book and kept on disk", async () => {
  const reference = { "!old:example.org": { code: "XYZ", keyword: "moss", tries: { "@a:x": 1 } } };
  const path = await bookFile({ ...reference, [lobby.key]: lobby });
  const { store, foreign } = await openLobbyBook(path);
  assert.equal(foreign, 1);
  assert.deepEqual(Object.keys(store.value), [lobby.key]);
  store.update((book) => {
    const mine = book[lobby.key];
    if (mine) mine.phase = "closed";
  });
  await store.flush();
  const written = JSON.parse(await readFile(path, "utf8"));
  assert.deepEqual(written["!old:example.org"], reference["!old:example.org"]);
  assert.equal(written[lobby.key].phase, "closed");
});

test("a broken anteroom lobby stops the start with where it is broken", async () => {
  const path = await bookFile({ [lobby.key]: { ...lobby, phase: "sideways" } });
  await assert.rejects(() => openLobbyBook(path), /lobby:r1\.phase/);
});
