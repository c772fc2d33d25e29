import assert from "node:assert/strict";
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  unlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as z from "zod";
import { readFileIfExists, writeFileAtomic } from "../../src/store/atomic-file.js";
import { JsonStore, StoreParseError, type JsonStoreOptions } from "../../src/store/json-store.js";

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-store-"));
  dirs.push(dir);
  return dir;
}

const Codes = z.object({
  codes: z.array(z.object({ code: z.string(), uses: z.number().int() })),
  counter: z.number(),
});
type Codes = z.infer<typeof Codes>;

function codesOptions(path: string, extra: Partial<JsonStoreOptions<Codes>> = {}) {
  const writes: number[] = [];
  const opts: JsonStoreOptions<Codes> = {
    path,
    parse: (raw) => Codes.parse(raw),
    empty: () => ({ codes: [], counter: 0 }),
    onWrite: ({ bytes }) => writes.push(bytes),
    ...extra,
  };
  return { opts, writes };
}

test("writeFileAtomic replaces the file, applies the mode and leaves no temp file", async () => {
  const dir = await tempDir();
  const path = join(dir, "state.json");
  await writeFile(path, "old");
  await writeFileAtomic(path, "new\n", { mode: 0o600 });
  assert.equal(await readFile(path, "utf8"), "new\n");
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(dir), ["state.json"]);
});

test("readFileIfExists returns undefined for a missing file", async () => {
  const dir = await tempDir();
  assert.equal(await readFileIfExists(join(dir, "nope.json")), undefined);
  await writeFile(join(dir, "yes.json"), "x");
  assert.equal(await readFileIfExists(join(dir, "yes.json")), "x");
});

test("a missing file opens as empty() and is only created by a write", async () => {
  const dir = await tempDir();
  const path = join(dir, "codes.json");
  const { opts, writes } = codesOptions(path);
  const store = await JsonStore.open(opts);
  assert.deepEqual(store.value, { codes: [], counter: 0 });
  await store.flush();
  assert.equal(writes.length, 0);
  assert.equal(await readFileIfExists(path), undefined);

  store.update((draft) => {
    draft.codes.push({ code: "abc", uses: 0 });
  });
  await store.close();
  const expected = { codes: [{ code: "abc", uses: 0 }], counter: 0 };
  assert.equal(await readFile(path, "utf8"), JSON.stringify(expected, null, 2) + "\n");
});

test("1,000 updates then flush: the file holds the final value after very few writes", async () => {
  const dir = await tempDir();
  const path = join(dir, "codes.json");
  const { opts, writes } = codesOptions(path);
  const store = await JsonStore.open(opts);
  for (let i = 0; i < 1000; i++) {
    store.update((draft) => {
      draft.counter++;
    });
  }
  assert.equal(store.value.counter, 1000, "updates apply in memory at once");
  await store.flush();
  assert.equal(writes.length, 1);
  assert.equal(JSON.parse(await readFile(path, "utf8")).counter, 1000);
});

test("updates made while a write is in flight go together into the next single write", async () => {
  const dir = await tempDir();
  const path = join(dir, "codes.json");
  const { opts, writes } = codesOptions(path);
  const store = await JsonStore.open(opts);
  store.update((draft) => {
    draft.counter = 1;
  });
  const firstFlush = store.flush();
  await new Promise((done) => setImmediate(done)); // the first write has started, not finished
  for (let i = 0; i < 500; i++) {
    store.update((draft) => {
      draft.counter++;
    });
  }
  await firstFlush;
  await store.flush();
  assert.equal(writes.length, 2);
  assert.equal(JSON.parse(await readFile(path, "utf8")).counter, 501);
});

test("a steady stream of updates across event-loop turns causes far fewer writes", async () => {
  const dir = await tempDir();
  const { opts, writes } = codesOptions(join(dir, "codes.json"));
  const store = await JsonStore.open(opts);
  for (let i = 0; i < 300; i++) {
    store.update((draft) => {
      draft.counter++;
    });
    if (i % 3 === 0) await new Promise((done) => setImmediate(done));
  }
  await store.flush();
  assert.ok(writes.length < 100, `${writes.length} writes for 300 updates`);
  assert.equal(store.value.counter, 300);
});

test("update may return a new value; serialize shapes what is written", async () => {
  const dir = await tempDir();
  const path = join(dir, "set.json");
  const store = await JsonStore.open<Set<string>>({
    path,
    parse: (raw) => new Set(z.array(z.string()).parse(raw)),
    empty: () => new Set(),
    serialize: (value) => [...value].sort(),
  });
  store.update((draft) => {
    draft.add("b");
  });
  store.update((draft) => new Set([...draft, "a"]));
  await store.close();
  assert.equal(await readFile(path, "utf8"), '[\n  "a",\n  "b"\n]\n');
  const reopened = await JsonStore.open<Set<string>>({
    path,
    parse: (raw) => new Set(z.array(z.string()).parse(raw)),
    empty: () => new Set(),
  });
  assert.deepEqual([...reopened.value].sort(), ["a", "b"]);
});

test("invalid JSON on open throws StoreParseError and leaves the file byte-identical", async () => {
  const dir = await tempDir();
  const path = join(dir, "codes.json");
  const bad = Buffer.from('{"codes": [ oops \u00e9\n\u0000', "utf8");
  await writeFile(path, bad);
  const before = await stat(path);
  const { opts, writes } = codesOptions(path);
  await assert.rejects(JsonStore.open(opts), (err: unknown) => {
    assert.ok(err instanceof StoreParseError);
    assert.equal(err.path, path);
    assert.match(err.message, /is not valid: .*not JSON.*anteroom left it untouched\.$/s);
    return true;
  });
  assert.deepEqual(await readFile(path), bad);
  assert.equal((await stat(path)).mtimeMs, before.mtimeMs);
  assert.deepEqual(await readdir(dir), ["codes.json"]);
  assert.equal(writes.length, 0);
});

test("a valid JSON file of the wrong shape throws StoreParseError naming the field", async () => {
  const dir = await tempDir();
  const path = join(dir, "codes.json");
  const text = '{"codes":[{"code":"x","uses":"many"}],"counter":0}';
  await writeFile(path, text);
  const { opts } = codesOptions(path);
  await assert.rejects(JsonStore.open(opts), (err: unknown) => {
    assert.ok(err instanceof StoreParseError);
    assert.match(err.detail, /codes\.0\.uses: /);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
  assert.equal(await readFile(path, "utf8"), text);
});

test("a hand edit is picked up by reloadIfChangedOnDisk, once", async () => {
  const dir = await tempDir();
  const path = join(dir, "codes.json");
  const { opts } = codesOptions(path);
  const store = await JsonStore.open(opts);
  store.update((draft) => {
    draft.counter = 7;
  });
  await store.flush();
  assert.deepEqual(await store.reloadIfChangedOnDisk(), { changed: false });

  // Same size as before on purpose: the mtime still gives it away.
  const edited = (await readFile(path, "utf8")).replace('"counter": 7', '"counter": 8');
  await writeFile(path, edited);
  assert.deepEqual(await store.reloadIfChangedOnDisk(), { changed: true });
  assert.equal(store.value.counter, 8);
  assert.deepEqual(await store.reloadIfChangedOnDisk(), { changed: false });

  // An editor that saves by rename (new inode) is noticed too.
  await writeFileAtomic(path, JSON.stringify({ codes: [{ code: "hand", uses: 1 }], counter: 9 }));
  assert.deepEqual(await store.reloadIfChangedOnDisk(), { changed: true });
  assert.deepEqual(store.value, { codes: [{ code: "hand", uses: 1 }], counter: 9 });

  store.update((draft) => {
    draft.counter++;
  });
  await store.close();
  assert.equal(JSON.parse(await readFile(path, "utf8")).counter, 10);
});

test("a touched but unchanged file is not reloaded", async () => {
  const dir = await tempDir();
  const path = join(dir, "codes.json");
  const { opts } = codesOptions(path);
  const store = await JsonStore.open(opts);
  store.update((draft) => {
    draft.counter = 1;
  });
  await store.flush();
  await utimes(path, new Date(), new Date(Date.now() + 60_000));
  assert.deepEqual(await store.reloadIfChangedOnDisk(), { changed: false });
  assert.equal(store.value.counter, 1);
});

test("a bad hand edit is kept as .rejected-*, the state is not lost, and ours is written", async () => {
  const dir = await tempDir();
  const path = join(dir, "codes.json");
  const { opts } = codesOptions(path);
  const store = await JsonStore.open(opts);
  store.update((draft) => {
    draft.codes.push({ code: "keep", uses: 2 });
  });
  await store.flush();

  const handEdit = '{"codes": [{"code": "keep", "uses": 2},], "counter": 0}\n';
  await writeFile(path, handEdit);
  const result = await store.reloadIfChangedOnDisk();
  assert.equal(result.changed, false);
  assert.ok(result.error instanceof StoreParseError);
  assert.deepEqual(store.value.codes, [{ code: "keep", uses: 2 }]);
  assert.equal(await readFile(path, "utf8"), handEdit, "the bad file is left alone until we write");
  assert.deepEqual(await store.reloadIfChangedOnDisk(), { changed: false }, "reported once");

  store.update((draft) => {
    draft.counter = 1;
  });
  await store.flush();
  const names = await readdir(dir);
  const rejected = names.filter((n) => n.startsWith("codes.json.rejected-"));
  assert.equal(rejected.length, 1);
  assert.match(rejected[0] ?? "", /^codes\.json\.rejected-\d{4}-\d\d-\d\dT\d{6}\.\d{3}Z$/);
  assert.equal(await readFile(join(dir, rejected[0] ?? ""), "utf8"), handEdit);
  assert.deepEqual(JSON.parse(await readFile(path, "utf8")), {
    codes: [{ code: "keep", uses: 2 }],
    counter: 1,
  });

  // Only that one write sets the file aside.
  store.update((draft) => {
    draft.counter = 2;
  });
  await store.close();
  assert.equal((await readdir(dir)).filter((n) => n.includes(".rejected-")).length, 1);
});

test("a bad hand edit fixed by a second hand edit is simply loaded", async () => {
  const dir = await tempDir();
  const path = join(dir, "codes.json");
  const { opts } = codesOptions(path);
  const store = await JsonStore.open(opts);
  store.update((draft) => {
    draft.counter = 1;
  });
  await store.flush();
  await writeFile(path, "{ nope");
  assert.ok((await store.reloadIfChangedOnDisk()).error);
  await writeFile(path, '{"codes": [], "counter": 42}');
  assert.deepEqual(await store.reloadIfChangedOnDisk(), { changed: true });
  store.update((draft) => {
    draft.counter++;
  });
  await store.close();
  assert.deepEqual(await readdir(dir), ["codes.json"]);
  assert.equal(JSON.parse(await readFile(path, "utf8")).counter, 43);
});

test("a file deleted by hand is written back, not treated as empty", async () => {
  const dir = await tempDir();
  const path = join(dir, "codes.json");
  const { opts } = codesOptions(path);
  const store = await JsonStore.open(opts);
  store.update((draft) => {
    draft.counter = 5;
  });
  await store.flush();
  await unlink(path);
  assert.deepEqual(await store.reloadIfChangedOnDisk(), { changed: false });
  assert.equal(store.value.counter, 5);
  await store.flush();
  assert.equal(JSON.parse(await readFile(path, "utf8")).counter, 5);
});

test("a failing write rejects flush, is reported once, and is retried by the next flush", async () => {
  const dir = await tempDir();
  const sub = join(dir, "later");
  const path = join(sub, "codes.json");
  const errors: unknown[] = [];
  const { opts } = codesOptions(path, { onWriteError: (err) => errors.push(err) });
  const store = await JsonStore.open(opts);
  for (let i = 0; i < 10; i++) {
    store.update((draft) => {
      draft.counter++;
    });
  }
  await assert.rejects(store.flush(), { code: "ENOENT" });
  assert.equal(errors.length, 1);

  await mkdir(sub);
  await store.flush();
  assert.equal(JSON.parse(await readFile(path, "utf8")).counter, 10);
});
