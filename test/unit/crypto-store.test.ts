/**
 * The bot's crypto store on disk: what the Rust crypto keeps in IndexedDB survives a write and a
 * read back, byte arrays included; a damaged file, a wrong key or a lost key stop the start and
 * leave the file as it was.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IDBFactory } from "fake-indexeddb";
import type { IdbFactory } from "../../src/matrix/crypto/idb-types.js";
import { requestResult, transactionDone } from "../../src/matrix/crypto/idb-types.js";
import { restoreDatabases, snapshotDatabases } from "../../src/matrix/crypto/idb-snapshot.js";
import {
  readStoreFile,
  StoreFileUnreadable,
  writeStoreFile,
} from "../../src/matrix/crypto/store-file.js";
import { loadStoreKey, parseStoreKey } from "../../src/matrix/crypto/store-key.js";
import { CryptoStoreRefused, openCryptoStore } from "../../src/matrix/crypto/bot-crypto.js";

const newFactory = () => new IDBFactory() as unknown as IdbFactory;
const KEY = Buffer.alloc(32, 7);
const DEVICE = { userId: "@bot:test", deviceId: "BOTDEVICE" };

/** A database shaped like the Rust store's: in-line and out-of-line keys, an index, byte arrays. */
async function fillDatabase(factory: IdbFactory, name: string): Promise<void> {
  const request = factory.open(name, 3);
  request.onupgradeneeded = () => {
    const db = request.result;
    const sessions = db.createObjectStore("sessions", { keyPath: "id", autoIncrement: false });
    sessions.createIndex("by_room", "room", { unique: false, multiEntry: false });
    db.createObjectStore("core", { keyPath: null, autoIncrement: false });
    db.createObjectStore("queue", { keyPath: null, autoIncrement: true });
  };
  const db = await requestResult(request);
  const tx = db.transaction(["sessions", "core", "queue"], "readwrite");
  tx.objectStore("sessions").put({ id: "s1", room: "!a", pickle: new Uint8Array([1, 2, 3]) });
  tx.objectStore("sessions").put({ id: "s2", room: "!b", pickle: new Uint8Array([9]) });
  tx.objectStore("core").put({ account: new Uint8Array(64).fill(5).buffer }, "account");
  tx.objectStore("core").put("v1", ["array", "key"]);
  tx.objectStore("queue").put({ request: 1 });
  tx.objectStore("queue").put({ request: 2 });
  await transactionDone(tx);
  db.close();
}

test("the crypto store written to its file and restored holds the same records, byte arrays and indexes included", async () => {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-crypto-"));
  const path = join(dir, "crypto-store.bin");
  const source = newFactory();
  await fillDatabase(source, "anteroom::matrix-sdk-crypto");
  await fillDatabase(source, "someone-else::db");
  const databases = await snapshotDatabases(source, "anteroom");
  assert.deepEqual(
    databases.map((db) => db.name),
    ["anteroom::matrix-sdk-crypto"],
    "only the bot's databases are kept",
  );
  await writeStoreFile(path, KEY, { ...DEVICE, databases });
  assert.equal((await stat(path)).mode & 0o777, 0o600, "the file is private");
  assert.ok(!(await readFile(path)).includes(Buffer.from("sessions")), "the file is sealed");

  const content = await readStoreFile(path, KEY);
  assert.ok(content);
  assert.deepEqual({ userId: content.userId, deviceId: content.deviceId }, DEVICE);
  const target = newFactory();
  await restoreDatabases(target, content.databases);
  const db = await requestResult(target.open("anteroom::matrix-sdk-crypto"));
  assert.equal(db.version, 3);
  const tx = db.transaction(["sessions", "core", "queue"], "readonly");
  const sessions = tx.objectStore("sessions");
  const inRoom = await requestResult(
    (sessions.index("by_room") as unknown as { getAll(q: string): never }).getAll("!b"),
  );
  assert.deepEqual(inRoom, [{ id: "s2", room: "!b", pickle: new Uint8Array([9]) }]);
  const account = (await requestResult(
    (tx.objectStore("core") as unknown as { get(k: string): never }).get("account"),
  )) as { account: ArrayBuffer };
  assert.deepEqual(new Uint8Array(account.account), new Uint8Array(64).fill(5));
  // IndexedDB orders string keys before array keys.
  assert.deepEqual(await requestResult(tx.objectStore("core").getAllKeys()), [
    "account",
    ["array", "key"],
  ]);
  assert.deepEqual(await requestResult(tx.objectStore("queue").getAllKeys()), [1, 2]);
  await transactionDone(tx);
  // The key generator goes on after the restored records.
  const write = db.transaction(["queue"], "readwrite");
  assert.equal(await requestResult(write.objectStore("queue").put({ request: 3 })), 3);
  await transactionDone(write);
  db.close();
});

test("a cut-short store file, or one sealed with another key, is refused as unreadable", async () => {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-crypto-"));
  const path = join(dir, "crypto-store.bin");
  await writeStoreFile(path, KEY, { ...DEVICE, databases: [] });
  await assert.rejects(readStoreFile(path, Buffer.alloc(32, 8)), StoreFileUnreadable);
  const { size } = await stat(path);
  await truncate(path, size - 5);
  await assert.rejects(readStoreFile(path, KEY), /does not open with the store key/);
  await truncate(path, 10);
  await assert.rejects(readStoreFile(path, KEY), /not an anteroom crypto store/);
  assert.equal(await readStoreFile(join(dir, "absent.bin"), KEY), undefined);
});

test("a damaged store stops the start with how to reset, and the file is left as it was", async () => {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-crypto-"));
  const settings = {
    storePath: join(dir, "crypto-store.bin"),
    keyPath: join(dir, "crypto-store.key"),
  };
  await writeFile(settings.keyPath, `${KEY.toString("base64")}\n`, { mode: 0o600 });
  await writeStoreFile(settings.storePath, KEY, { ...DEVICE, databases: [] });
  await truncate(settings.storePath, 50);
  const before = await readFile(settings.storePath);
  await assert.rejects(
    openCryptoStore(settings, DEVICE, () => undefined),
    (error: Error) =>
      error instanceof CryptoStoreRefused &&
      /crypto store .*crypto-store\.bin cannot be used/.test(error.message) &&
      /to reset, .*a new device/.test(error.message) &&
      !error.message.includes("\n"),
  );
  assert.deepEqual(await readFile(settings.storePath), before, "the store is not replaced");
});

test("a store left by a crash mid-write opens whole, and the cut-short temp file is removed", async () => {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-crypto-"));
  const settings = {
    storePath: join(dir, "crypto-store.bin"),
    keyPath: join(dir, "crypto-store.key"),
  };
  await writeFile(settings.keyPath, KEY.toString("base64"));
  await writeStoreFile(settings.storePath, KEY, { ...DEVICE, databases: [] });
  const temp = join(dir, ".crypto-store.bin.tmp-4242-abcdef");
  await writeFile(temp, "half a store");
  const store = await openCryptoStore(settings, DEVICE, () => undefined);
  assert.equal(store.fresh, false);
  await assert.rejects(stat(temp), { code: "ENOENT" });
  await store.close();
});

test("a store of another device is not opened for MATRIX_TOKEN's device", async () => {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-crypto-"));
  const settings = { storePath: join(dir, "crypto-store.bin"), keyPath: join(dir, "k") };
  await writeFile(settings.keyPath, KEY.toString("hex"));
  await writeStoreFile(settings.storePath, KEY, { ...DEVICE, databases: [] });
  await assert.rejects(
    openCryptoStore(settings, { ...DEVICE, deviceId: "OTHER" }, () => undefined),
    /holds device BOTDEVICE of @bot:test, and MATRIX_TOKEN is device OTHER/,
  );
});

test("the store key is made once, private, and a store whose key is gone is refused", async () => {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-crypto-"));
  const paths = {
    storePath: join(dir, "crypto-store.bin"),
    keyPath: join(dir, "crypto-store.key"),
  };
  const made = await loadStoreKey(paths);
  assert.equal((await stat(paths.keyPath)).mode & 0o777, 0o600);
  assert.deepEqual(await loadStoreKey(paths), made, "the same key on the next start");
  const fromEnv = parseStoreKey(Buffer.alloc(32, 1).toString("base64"));
  assert.ok(fromEnv);
  assert.deepEqual(await loadStoreKey({ ...paths, configuredKey: fromEnv }), fromEnv);
  assert.equal(parseStoreKey("too short"), undefined);

  const lost = { storePath: paths.storePath, keyPath: join(dir, "gone.key") };
  await writeStoreFile(lost.storePath, made, { ...DEVICE, databases: [] });
  await assert.rejects(loadStoreKey(lost), /its key is missing/);
});
