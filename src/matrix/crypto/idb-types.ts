/**
 * The part of the IndexedDB API that anteroom itself calls (snapshot and restore). The project
 * compiles without the DOM library, so these are declared here rather than taken from it.
 */
export type IdbKey = string | number | Date | ArrayBuffer | ArrayBufferView | IdbKey[];

export interface IdbRequest<T> {
  readonly result: T;
  readonly error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}

export interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  readonly transaction: IdbTransaction | null;
  onupgradeneeded: (() => void) | null;
  onblocked: (() => void) | null;
}

export interface IdbIndex {
  readonly name: string;
  readonly keyPath: string | string[];
  readonly unique: boolean;
  readonly multiEntry: boolean;
}

export interface IdbObjectStore {
  readonly name: string;
  readonly keyPath: string | string[] | null;
  readonly autoIncrement: boolean;
  readonly indexNames: ArrayLike<string>;
  index(name: string): IdbIndex;
  createIndex(
    name: string,
    keyPath: string | string[],
    options: { unique: boolean; multiEntry: boolean },
  ): IdbIndex;
  getAll(): IdbRequest<unknown[]>;
  getAllKeys(): IdbRequest<IdbKey[]>;
  put(value: unknown, key?: IdbKey): IdbRequest<IdbKey>;
}

export interface IdbTransaction {
  readonly mode: "readonly" | "readwrite" | "versionchange";
  readonly db: IdbDatabase;
  readonly error: unknown;
  objectStore(name: string): IdbObjectStore;
  addEventListener(type: "complete" | "abort" | "error", listener: () => void): void;
}

export interface IdbDatabase {
  readonly name: string;
  readonly version: number;
  readonly objectStoreNames: ArrayLike<string>;
  transaction(stores: string[], mode: "readonly" | "readwrite"): IdbTransaction;
  createObjectStore(
    name: string,
    options: { keyPath: string | string[] | null; autoIncrement: boolean },
  ): IdbObjectStore;
  close(): void;
}

export interface IdbFactory {
  open(name: string, version?: number): IdbOpenRequest;
  databases(): Promise<{ name?: string; version?: number }[]>;
}

/** Settles with a request's result. */
export function requestResult<T>(request: IdbRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(toError(request.error));
  });
}

/** Settles when a transaction has committed. */
export function transactionDone(transaction: IdbTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.addEventListener("complete", () => resolve());
    transaction.addEventListener("abort", () => reject(toError(transaction.error)));
  });
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
