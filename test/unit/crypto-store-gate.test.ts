/**
 * The crypto store's file is written before the homeserver hears of what changed: before the
 * /sync that acknowledges to-device messages, and before a key upload or an encrypted send; a
 * /sync after a quiet change (device lists, key counts) does not wait for a write.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IDBFactory } from "fake-indexeddb";
import { installIndexedDb } from "../../src/matrix/crypto/indexeddb.js";
import {
  requestResult,
  transactionDone,
  type IdbFactory,
} from "../../src/matrix/crypto/idb-types.js";
import { DurableCryptoStore } from "../../src/matrix/crypto/durable-store.js";
import { storeFirstFetch } from "../../src/matrix/crypto/request-gate.js";
import { readStoreFile } from "../../src/matrix/crypto/store-file.js";

const KEY = Buffer.alloc(32, 3);
const HS = "http://hs.test/_matrix/client/v3";

async function setup() {
  await installIndexedDb(); // the write hook
  const factory = new IDBFactory() as unknown as IdbFactory;
  const path = join(await mkdtemp(join(tmpdir(), "anteroom-gate-")), "crypto-store.bin");
  const store = await DurableCryptoStore.open(
    {
      factory,
      path,
      key: KEY,
      userId: "@bot:test",
      deviceId: "DEV",
      prefix: "anteroom",
      onSaveError: (error) => assert.fail(String(error)),
      saveDelayMs: 3_600_000, // no timer write during the test
    },
    undefined,
  );
  const open = factory.open("anteroom::matrix-sdk-crypto", 1);
  open.onupgradeneeded = () =>
    open.result.createObjectStore("core", { keyPath: null, autoIncrement: false });
  const db = await requestResult(open);
  const put = async (key: string) => {
    const tx = db.transaction(["core"], "readwrite");
    tx.objectStore("core").put({ at: key }, key);
    await transactionDone(tx);
  };
  /** What the file holds when a request reaches the homeserver. */
  const filed: string[][] = [];
  const fetchFn = storeFirstFetch(
    () => store,
    async () => {
      const content = await readStoreFile(path, KEY);
      const records = content?.databases[0]?.stores[0]?.keys ?? [];
      filed.push(records.map(String));
      return new Response("{}");
    },
  );
  return { store, put, fetchFn, filed, path, close: () => db.close() };
}

test("to-device messages are in the file before the /sync that acknowledges them", async () => {
  const world = await setup();
  await world.put("room-key");
  world.store.toDeviceReceived();
  await world.fetchFn(`${HS}/sync?since=s1`);
  assert.deepEqual(world.filed, [["room-key"]]);
  world.close();
});

test("a /sync after a change that no to-device message brought does not wait for a write", async () => {
  const world = await setup();
  await world.put("tracked-user");
  await world.fetchFn(`${HS}/sync?since=s1`);
  assert.deepEqual(world.filed, [[]]);
  await assert.rejects(stat(world.path), { code: "ENOENT" });
  world.close();
});

test("a key upload and an encrypted send wait for the file; other requests do not", async () => {
  const world = await setup();
  await world.put("one-time-keys");
  await world.fetchFn(`${HS}/rooms/!r/state/m.room.name/`);
  await world.fetchFn(`${HS}/keys/upload`);
  await world.put("outbound-session");
  await world.fetchFn(`${HS}/rooms/!r/send/m.room.encrypted/txn1`);
  assert.deepEqual(world.filed, [[], ["one-time-keys"], ["one-time-keys", "outbound-session"]]);
  world.close();
});
