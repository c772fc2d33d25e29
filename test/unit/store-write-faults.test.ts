import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { AuditLog } from "../../src/store/audit-log.js";
import { JournaledBook } from "../../src/store/journaled-book.js";
import { JsonStore } from "../../src/store/json-store.js";
import { waitFor } from "../harness/wait.js";
import { failWrites, faultsDir, quickFaults, settled } from "./fs-faults.js";

const tempDir = faultsDir;

const parseLines = (text: string): unknown[] =>
  text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as unknown);

test("an audit append that fails for lack of space is cut back and written again, in order, never torn", async () => {
  const dir = await tempDir();
  const path = join(dir, "log.jsonl");
  const faults = quickFaults();
  const log = await AuditLog.open(path, { retry: faults });
  await log.append({ ts: 1, type: "before" });

  const disk = await failWrites(dir);
  try {
    const during = [2, 3, 4].map((ts) =>
      log.append({ ts, type: "during", reason: "x".repeat(200) }),
    );
    const landed = during.map(settled);
    await waitFor(() => disk.failed >= 3, { what: "several failed attempts" });
    assert.equal(faults.current[0]?.code, "ENOSPC");
    assert.match(faults.reason ?? "", /log\.jsonl: ENOSPC/);
    assert.ok(
      landed.every((done) => !done()),
      "no append resolves before it is on disk",
    );
    disk.heal();
    await Promise.all(during);
  } finally {
    disk.restore();
  }
  await log.append({ ts: 5, type: "after" });
  assert.equal(faults.current.length, 0, "health is clear once writing works again");
  const records = parseLines(await readFile(path, "utf8")) as { ts: number }[];
  assert.deepEqual(
    records.map((r) => r.ts),
    [1, 2, 3, 4, 5],
  );
  assert.equal((await log.scan()).malformed, 0);
  await log.close();
});

test("a journal append that fails for lack of space waits, retries, and every commit is there on reopen", async () => {
  const dir = await tempDir();
  const path = join(dir, "vetting.json");
  const faults = quickFaults();
  const open = () =>
    JournaledBook.open<{ n: number }>({
      path,
      parse: (raw) => raw as Record<string, { n: number }>,
      compactAfterQuietMs: 60_000,
      retry: faults,
    });
  const book = await open();
  book.update((draft) => {
    draft.a = { n: 1 };
  });
  await book.flush();

  const disk = await failWrites(dir);
  let flushed: Promise<void>;
  try {
    book.update((draft) => {
      draft.b = { n: 2 };
    });
    flushed = book.flush();
    const done = settled(flushed);
    await waitFor(() => disk.failed >= 3, { what: "several failed attempts" });
    assert.equal(done(), false, "flush waits until the commit is on disk");
    assert.equal(faults.current[0]?.path, `${path}.journal`, "health names the journal");
    disk.heal();
    await flushed;
  } finally {
    disk.restore();
  }
  const journal = await readFile(`${path}.journal`, "utf8");
  assert.ok(journal.endsWith("\n"), "the torn part was cut off before the retry");
  assert.equal(parseLines(journal).length, 2);
  await book.close();
  const reopened = await open();
  assert.deepEqual(reopened.value, { a: { n: 1 }, b: { n: 2 } });
  await reopened.close();
});

test("a book rewrite that fails is retried until the disk has room; the file on disk is always whole", async () => {
  const dir = await tempDir();
  const path = join(dir, "codes.json");
  const faults = quickFaults();
  const store = await JsonStore.open<Record<string, number>>({
    path,
    parse: (raw) => raw as Record<string, number>,
    empty: () => ({}),
    retry: faults,
  });
  store.update((draft) => {
    draft.A = 1;
  });
  await store.flush();

  const disk = await failWrites(dir, "EIO");
  try {
    store.update((draft) => {
      draft.A = 0;
    });
    const flushed = store.flush();
    await waitFor(() => disk.failed >= 2, { what: "two failed attempts" });
    assert.equal(faults.current[0]?.code, "EIO");
    assert.deepEqual(
      JSON.parse(await readFile(path, "utf8")),
      { A: 1 },
      "the old book stays whole",
    );
    disk.heal();
    await flushed;
  } finally {
    disk.restore();
  }
  assert.deepEqual(JSON.parse(await readFile(path, "utf8")), { A: 0 });
  assert.ok(faults.failures >= 2);
});

test("once stopping, a write that keeps failing gives up at once instead of holding the stop", async () => {
  const dir = await tempDir();
  const path = join(dir, "log.jsonl");
  const faults = quickFaults();
  const log = await AuditLog.open(path, { retry: faults });
  const disk = await failWrites(dir);
  try {
    const appended = log.append({ ts: 1, type: "lost" });
    await waitFor(() => disk.failed >= 1, { what: "a failed attempt" });
    faults.stop();
    await assert.rejects(appended, { code: "ENOSPC" });
    await assert.rejects(log.append({ ts: 2, type: "also lost" }), { code: "ENOSPC" });
  } finally {
    disk.restore();
  }
  await log.close();
});

test("the temp files a crash mid-write left are removed when the books are next opened", async () => {
  const dir = await tempDir();
  const path = join(dir, "vetting.json");
  const codesPath = join(dir, "codes.json");
  const leftovers = [`.vetting.json.tmp-999999-0a1b2c`, `.codes.json.tmp-999999-3d4e5f`];
  for (const name of leftovers) await writeFile(join(dir, name), "{ half a book");
  const book = await JournaledBook.open<{ n: number }>({
    path,
    parse: (raw) => raw as Record<string, { n: number }>,
  });
  const codes = await JsonStore.open<Record<string, number>>({
    path: codesPath,
    parse: (raw) => raw as Record<string, number>,
    empty: () => ({}),
  });
  assert.deepEqual(
    (await readdir(dir)).filter((name) => name.includes(".tmp-")),
    [],
    "no leftover copies",
  );
  await book.close();
  await codes.close();
});
