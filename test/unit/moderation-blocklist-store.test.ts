import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { BlocklistStore, blocklistPath } from "../../src/store/blocklist-store.js";
import { StoreParseError } from "../../src/store/json-store.js";

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-blocklist-"));
  dirs.push(dir);
  return dir;
}

const NOW = Date.UTC(2026, 10, 23, 12);

test("entries added and removed are on disk in a hand-editable file, and survive a reopen", async () => {
  const dir = await dataDir();
  const path = blocklistPath(dir);
  assert.equal(path, join(dir, "blocklist.json"));
  const store = await BlocklistStore.open(path);
  assert.deepEqual(store.entries, []);
  assert.equal(store.match({ userId: "@spammer:evil.org" }), undefined);

  const added = store.add("@spammer:evil.org", {
    reason: "spam",
    addedBy: "@mod:example.org",
    nowMs: NOW,
  });
  assert.deepEqual(added, {
    ok: true,
    added: true,
    entry: {
      pattern: "@spammer:evil.org",
      kind: "user",
      reason: "spam",
      added_by: "@mod:example.org",
      added_at: "2026-11-23T12:00:00.000Z",
    },
  });
  assert.equal(store.add("evil.net", { nowMs: NOW }).ok, true);
  assert.deepEqual(store.add("@spammer:evil.org", { nowMs: NOW + 1 }), { ...added, added: false });
  assert.deepEqual(store.add("@broken", { kind: "user", nowMs: NOW }), {
    ok: false,
    error: 'cannot block "@broken": not a user ID (expected @name:server)',
  });
  await store.flush();

  const onDisk = JSON.parse(await readFile(path, "utf8"));
  assert.deepEqual(
    onDisk.entries.map((e: { pattern: string; kind: string }) => [e.pattern, e.kind]),
    [
      ["@spammer:evil.org", "user"],
      ["evil.net", "server"],
    ],
  );
  // Matching follows the changes at once.
  assert.match(
    store.match({ userId: "@5pamm3r:evil.org" })?.explanation ?? "",
    /leet-speak folding/,
  );
  assert.deepEqual(
    store.remove("evil.net").map((e) => e.pattern),
    ["evil.net"],
  );
  assert.deepEqual(store.remove("evil.net"), []);
  assert.equal(store.match({ userId: "@anyone:evil.net" }), undefined);
  await store.close();

  const reopened = await BlocklistStore.open(path);
  assert.deepEqual(
    reopened.entries.map((e) => e.pattern),
    ["@spammer:evil.org"],
  );
  await reopened.close();
});

test("a good hand edit is picked up and applied to matching", async () => {
  const dir = await dataDir();
  const path = blocklistPath(dir);
  const store = await BlocklistStore.open(path);
  store.add("@spammer:evil.org", { nowMs: NOW });
  await store.flush();
  const edited = JSON.parse(await readFile(path, "utf8"));
  edited.entries.push({ pattern: "Free Crypto", kind: "displayname", note: "added by hand" });
  await writeFile(path, JSON.stringify(edited, null, 2));
  assert.deepEqual(await store.reload(), { changed: true });
  assert.ok(store.match({ userId: "@x:example.org", displayName: "Fr33 Crypt0" }));
  assert.equal(store.entries[1]?.note, "added by hand");
  await store.close();
});

test("a broken hand edit keeps the old list in use, is reported with the bad entry, and is set aside", async () => {
  const dir = await dataDir();
  const path = blocklistPath(dir);
  const store = await BlocklistStore.open(path);
  store.add("@spammer:evil.org", { nowMs: NOW });
  await store.flush();

  const handEdit = JSON.stringify({
    entries: [
      { pattern: "@spammer:evil.org", kind: "user" },
      { pattern: "spam.example", kind: "sever" },
    ],
  });
  await writeFile(path, handEdit);
  const result = await store.reload();
  assert.equal(result.changed, false);
  assert.ok(result.error instanceof StoreParseError);
  assert.match(
    result.error.message,
    /entries\[1\] \("spam\.example"\): "kind" must be one of user, server, glob, displayname/,
  );
  assert.ok(store.match({ userId: "@spammer2:evil.org" }), "the last good list is still applied");
  assert.deepEqual(await store.reload(), { changed: false }, "reported once");

  // The next change writes the good list back and keeps the bad edit beside it.
  store.add("@cryptobot:spam.example", { nowMs: NOW });
  await store.close();
  const rejected = (await readdir(dir)).filter((n) => n.startsWith("blocklist.json.rejected-"));
  assert.equal(rejected.length, 1);
  assert.equal(await readFile(join(dir, rejected[0]!), "utf8"), handEdit);
  const kept = JSON.parse(await readFile(path, "utf8"));
  assert.deepEqual(
    kept.entries.map((e: { pattern: string }) => e.pattern),
    ["@spammer:evil.org", "@cryptobot:spam.example"],
  );
});

test("a blocklist file that is broken at start refuses to open, naming the entry", async () => {
  const dir = await dataDir();
  const path = blocklistPath(dir);
  await writeFile(path, '{"entries": [{"pattern": "@ok:x.org", "kind": "user"}, {"pattern": 7}]}');
  await assert.rejects(BlocklistStore.open(path), (err: unknown) => {
    assert.ok(err instanceof StoreParseError);
    assert.match(err.message, /entries\[1\]: "pattern" must be a string/);
    return true;
  });
  await writeFile(path, "{not json");
  await assert.rejects(BlocklistStore.open(path), /not JSON/);
});
