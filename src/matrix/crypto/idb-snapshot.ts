/**
 * Copies IndexedDB databases out to plain data and back, through the IndexedDB API only (no
 * reach into fake-indexeddb's internals, so a new version of it cannot break the format). Values
 * are kept as they are (byte arrays included): the caller serializes with node:v8.
 */
import {
  requestResult,
  transactionDone,
  type IdbDatabase,
  type IdbFactory,
  type IdbKey,
} from "./idb-types.js";

export interface DatabaseSnapshot {
  readonly name: string;
  readonly version: number;
  readonly stores: readonly StoreSnapshot[];
}

interface StoreSnapshot {
  readonly name: string;
  readonly keyPath: string | string[] | null;
  readonly autoIncrement: boolean;
  readonly indexes: readonly {
    name: string;
    keyPath: string | string[];
    unique: boolean;
    multiEntry: boolean;
  }[];
  /** With out-of-line keys only; in-line keys are inside the values. */
  readonly keys?: readonly IdbKey[];
  readonly values: readonly unknown[];
}

/** The databases whose names start with `prefix`, each read in one transaction (a consistent copy). */
export async function snapshotDatabases(
  factory: IdbFactory,
  prefix: string,
): Promise<DatabaseSnapshot[]> {
  const names = (await factory.databases())
    .map((info) => info.name)
    .filter((name): name is string => name?.startsWith(prefix) === true)
    .sort();
  const snapshots: DatabaseSnapshot[] = [];
  for (const name of names) {
    const db = await requestResult(factory.open(name));
    try {
      snapshots.push(await snapshotDatabase(db));
    } finally {
      db.close();
    }
  }
  return snapshots;
}

async function snapshotDatabase(db: IdbDatabase): Promise<DatabaseSnapshot> {
  const storeNames = Array.from(db.objectStoreNames);
  if (storeNames.length === 0) return { name: db.name, version: db.version, stores: [] };
  const transaction = db.transaction(storeNames, "readonly");
  const stores = await Promise.all(
    storeNames.map(async (storeName): Promise<StoreSnapshot> => {
      const store = transaction.objectStore(storeName);
      const indexes = Array.from(store.indexNames).map((indexName) => {
        const index = store.index(indexName);
        return {
          name: index.name,
          keyPath: index.keyPath,
          unique: index.unique,
          multiEntry: index.multiEntry,
        };
      });
      // getAll and getAllKeys walk the store in the same (key) order.
      const [values, keys] = await Promise.all([
        requestResult(store.getAll()),
        store.keyPath === null ? requestResult(store.getAllKeys()) : undefined,
      ]);
      return {
        name: storeName,
        keyPath: store.keyPath,
        autoIncrement: store.autoIncrement,
        indexes,
        ...(keys === undefined ? {} : { keys }),
        values,
      };
    }),
  );
  await transactionDone(transaction);
  return { name: db.name, version: db.version, stores };
}

/** Recreates each database (which must not exist yet) with its version, stores, indexes and records. */
export async function restoreDatabases(
  factory: IdbFactory,
  snapshots: readonly DatabaseSnapshot[],
): Promise<void> {
  for (const snapshot of snapshots) {
    const request = factory.open(snapshot.name, snapshot.version);
    request.onupgradeneeded = () => {
      const db = request.result;
      for (const store of snapshot.stores) {
        const created = db.createObjectStore(store.name, {
          keyPath: store.keyPath,
          autoIncrement: store.autoIncrement,
        });
        for (const index of store.indexes)
          created.createIndex(index.name, index.keyPath, {
            unique: index.unique,
            multiEntry: index.multiEntry,
          });
      }
    };
    const db = await requestResult(request);
    try {
      if (snapshot.stores.length === 0) continue;
      const transaction = db.transaction(
        snapshot.stores.map((store) => store.name),
        "readwrite",
      );
      for (const store of snapshot.stores) {
        const target = transaction.objectStore(store.name);
        store.values.forEach((value, i) => {
          if (store.keys) target.put(value, store.keys[i]);
          else target.put(value);
        });
      }
      await transactionDone(transaction);
    } finally {
      db.close();
    }
  }
}
