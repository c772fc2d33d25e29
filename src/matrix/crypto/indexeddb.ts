/**
 * matrix-js-sdk's Rust crypto keeps its store in `globalThis.indexedDB`, which Node lacks:
 * fake-indexeddb provides one, in memory. Loaded only when encryption is on (it is not free), and
 * told to report every committed write, so the durable copy knows when it is out of date.
 */
import type { IdbDatabase, IdbFactory, IdbTransaction } from "./idb-types.js";

type WriteListener = (databaseName: string) => void;

const listeners = new Set<WriteListener>();
let installed: Promise<IdbFactory> | undefined;

/** Installs fake-indexeddb as the process's IndexedDB (once) and returns its factory. */
export function installIndexedDb(): Promise<IdbFactory> {
  installed ??= load();
  return installed;
}

/** Calls `listener` with the database's name after each committed read-write transaction. */
export function onIndexedDbWrite(listener: WriteListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function load(): Promise<IdbFactory> {
  const fake = await import("fake-indexeddb");
  // The Rust code checks values against the IDB* classes as well as using indexedDB.
  const globals = {
    indexedDB: fake.indexedDB,
    IDBCursor: fake.IDBCursor,
    IDBCursorWithValue: fake.IDBCursorWithValue,
    IDBDatabase: fake.IDBDatabase,
    IDBFactory: fake.IDBFactory,
    IDBIndex: fake.IDBIndex,
    IDBKeyRange: fake.IDBKeyRange,
    IDBObjectStore: fake.IDBObjectStore,
    IDBOpenDBRequest: fake.IDBOpenDBRequest,
    IDBRequest: fake.IDBRequest,
    IDBTransaction: fake.IDBTransaction,
    IDBVersionChangeEvent: fake.IDBVersionChangeEvent,
  };
  for (const [name, value] of Object.entries(globals))
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true });
  const prototype = (fake.IDBDatabase as unknown as { prototype: IdbDatabase }).prototype;
  const transaction = prototype.transaction;
  // The one place every write goes through; the API has no change events.
  prototype.transaction = function (this: IdbDatabase, ...args) {
    const started: IdbTransaction = transaction.apply(this, args);
    if (started.mode === "readwrite") {
      const name = this.name;
      started.addEventListener("complete", () => {
        for (const listener of listeners) listener(name);
      });
    }
    return started;
  };
  return fake.indexedDB as unknown as IdbFactory;
}
