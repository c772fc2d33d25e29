import assert from "node:assert/strict";
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { JournaledBook, type JournaledBookOptions } from "../../src/store/journaled-book.js";
import { StoreParseError } from "../../src/store/json-store.js";
import { waitFor } from "../harness/wait.js";

interface Entry {
  n: number;
  tags?: string[];
}

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function bookIn(
  extra: Partial<JournaledBookOptions<Entry>> = {},
  dir?: string,
): Promise<{ dir: string; path: string; book: JournaledBook<Entry>; writes: string[] }> {
  const where = dir ?? (await mkdtemp(join(tmpdir(), "anteroom-journal-")));
  if (!dir) dirs.push(where);
  const path = join(where, "book.json");
  const writes: string[] = [];
  const book = await JournaledBook.open<Entry>({
    path,
    parse: (raw) => {
      if (typeof raw !== "object" || raw === null) throw new Error("not an object");
      for (const [key, value] of Object.entries(raw))
        if (typeof (value as Entry).n !== "number") throw new Error(`${key}.n is not a number`);
      return raw as Record<string, Entry>;
    },
    onWrite: ({ kind }) => writes.push(kind),
    ...extra,
  });
  return { dir: where, path, book, writes };
}

const readJson = async (path: string): Promise<unknown> =>
  JSON.parse(await readFile(path, "utf8")) as unknown;

test("a commit appends only the records it touched, and a reopen sees every commit", async () => {
  const { dir, path, book, writes } = await bookIn({ compactAfterQuietMs: 60_000 });
  for (let i = 0; i < 20; i++) {
    book.update((draft) => {
      draft[`k${i}`] = { n: i };
    });
    await book.flush();
  }
  book.update((draft) => {
    const entry = draft.k3;
    if (entry) entry.tags = ["changed in place"];
    delete draft.k4;
  });
  await book.flush();
  assert.deepEqual(writes, Array(21).fill("journal"), "no whole-book rewrite");
  const lastLines = (await readFile(`${path}.journal`, "utf8")).trim().split("\n").slice(-2);
  assert.deepEqual(
    lastLines.map((l) => JSON.parse(l) as unknown),
    [
      { k: "k3", v: { n: 3, tags: ["changed in place"] } },
      { k: "k4", d: 1 },
    ],
  );

  // As after a kill -9: no close, a fresh open replays the journal and folds it into the base.
  const reopened = await bookIn({}, dir);
  assert.equal(Object.keys(reopened.book.value).length, 19);
  assert.deepEqual(reopened.book.value.k3, { n: 3, tags: ["changed in place"] });
  assert.equal(reopened.book.value.k4, undefined);
  assert.deepEqual(await readJson(path), reopened.book.value);
  assert.equal(await readFile(`${path}.journal`, "utf8"), "");
});

test("the base file catches up once the book is quiet, and close removes the journal", async () => {
  const { dir, path, book } = await bookIn({ compactAfterQuietMs: 20 });
  book.update((draft) => {
    draft.a = { n: 1 };
  });
  await book.flush();
  await waitFor(
    async () => JSON.stringify(await readJson(path).catch(() => null)) === '{"a":{"n":1}}',
    { what: "the base file brought up to date", timeoutMs: 10_000, intervalMs: 10 },
  );
  book.update((draft) => {
    draft.b = { n: 2 };
  });
  await book.close();
  assert.deepEqual(await readJson(path), { a: { n: 1 }, b: { n: 2 } });
  assert.deepEqual(await readdir(dir), ["book.json"]);
});

test("a journal larger than the base is folded into it", async () => {
  const { path, book, writes } = await bookIn({
    minCompactBytes: 200,
    compactAfterQuietMs: 60_000,
  });
  for (let i = 0; i < 30; i++) {
    book.update((draft) => {
      draft[`key-${i}`] = { n: i };
    });
    await book.flush();
  }
  assert.ok(writes.includes("base"), "compacted at least once");
  const base = (await readJson(path)) as Record<string, Entry>;
  assert.ok(Object.keys(base).length > 5);
});

test("a mutator that returns a new book rewrites the base", async () => {
  const { path, book, writes } = await bookIn({ compactAfterQuietMs: 60_000 });
  book.update(() => ({ only: { n: 7 } }));
  await book.flush();
  assert.deepEqual(writes, ["base"]);
  assert.deepEqual(await readJson(path), { only: { n: 7 } });
});

test("a torn last journal line is dropped; a corrupt line in the middle stops the open", async () => {
  const { dir, path, book } = await bookIn({ compactAfterQuietMs: 60_000 });
  book.update((draft) => {
    draft.kept = { n: 1 };
  });
  await book.flush();
  await appendFile(`${path}.journal`, '{"k":"torn","v":{"n"');
  const reopened = await bookIn({}, dir);
  assert.deepEqual(reopened.book.value, { kept: { n: 1 } });

  await writeFile(`${path}.journal`, '{"k":"x","v":{"n":1}}\nnot json\n{"k":"y","d":1}\n');
  await assert.rejects(bookIn({}, dir), StoreParseError);
  await writeFile(`${path}.journal`, '{"k":"x","v":{"n":"one"}}\n');
  await assert.rejects(bookIn({}, dir), /x\.n is not a number/);
});
