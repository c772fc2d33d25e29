/**
 * The crypto store's file in DATA_DIR: the snapshot of its databases, serialized with node:v8
 * (byte arrays survive) and sealed with AES-256-GCM under the store key, so the file is private
 * at rest and a truncated or altered file is told apart from a good one. Written atomically.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { readFile, readdir, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { deserialize, serialize } from "node:v8";
import { hasCode, writeFileAtomic } from "../../store/atomic-file.js";
import type { DatabaseSnapshot } from "./idb-snapshot.js";

export interface StoreContent {
  /** Whose device the store holds: a store is never opened for another one. */
  readonly userId: string;
  readonly deviceId: string;
  readonly databases: readonly DatabaseSnapshot[];
}

/** The file exists but cannot be read as this store; `reason` says why, for the operator. */
export class StoreFileUnreadable extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const MAGIC = Buffer.from("anteroom crypto store 1\n", "ascii");
const IV_BYTES = 12;
const TAG_BYTES = 16;

export async function writeStoreFile(
  path: string,
  key: Buffer,
  content: StoreContent,
): Promise<void> {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(MAGIC);
  const sealed = Buffer.concat([cipher.update(serialize(content)), cipher.final()]);
  await writeFileAtomic(path, Buffer.concat([MAGIC, iv, cipher.getAuthTag(), sealed]), {
    mode: 0o600,
  });
}

/** The store's content; undefined when there is no file; StoreFileUnreadable when it is not good. */
export async function readStoreFile(path: string, key: Buffer): Promise<StoreContent | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if (hasCode(error, "ENOENT")) return undefined;
    throw new StoreFileUnreadable(`it cannot be read (${(error as Error).message})`);
  }
  const head = MAGIC.length + IV_BYTES + TAG_BYTES;
  if (bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC))
    throw new StoreFileUnreadable("it is not an anteroom crypto store");
  if (bytes.length <= head) throw new StoreFileUnreadable("it is cut short");
  const decipher = createDecipheriv(
    "aes-256-gcm",
    key,
    bytes.subarray(MAGIC.length, MAGIC.length + IV_BYTES),
  );
  decipher.setAAD(MAGIC);
  decipher.setAuthTag(bytes.subarray(MAGIC.length + IV_BYTES, head));
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(bytes.subarray(head)), decipher.final()]);
  } catch {
    throw new StoreFileUnreadable(
      "it does not open with the store key (a different key, or a damaged or cut-short file)",
    );
  }
  const content: unknown = deserialize(plain);
  if (!isStoreContent(content)) throw new StoreFileUnreadable("its content is not a crypto store");
  return content;
}

/** Temp files of writes a crash cut short (writeFileAtomic's names); the file itself is whole. */
export async function removeStaleTempFiles(path: string): Promise<void> {
  const prefix = `.${basename(path)}.tmp-`;
  const dir = dirname(path);
  const names = await readdir(dir).catch(() => []);
  await Promise.all(
    names
      .filter((name) => name.startsWith(prefix))
      .map((name) => rm(join(dir, name), { force: true })),
  );
}

function isStoreContent(value: unknown): value is StoreContent {
  if (typeof value !== "object" || value === null) return false;
  const { userId, deviceId, databases } = value as Record<string, unknown>;
  return typeof userId === "string" && typeof deviceId === "string" && Array.isArray(databases);
}
