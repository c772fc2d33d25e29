/**
 * The key the crypto store file is sealed with: CRYPTO_STORE_KEY when set (32 bytes, base64 or
 * hex; then no key file is written), else DATA_DIR/crypto-store.key (0600), made on the first
 * start. A store without its key is never replaced by a new one: the start stops instead.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { writeFileAtomic, hasCode } from "../../store/atomic-file.js";
import { StoreFileUnreadable } from "./store-file.js";

export const STORE_KEY_BYTES = 32;

/** A 32-byte key written as base64 or hex; undefined when it is not one. */
export function parseStoreKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  const bytes = /^[0-9a-f]{64}$/i.test(trimmed)
    ? Buffer.from(trimmed, "hex")
    : Buffer.from(trimmed, "base64");
  return bytes.length === STORE_KEY_BYTES ? bytes : undefined;
}

export async function loadStoreKey(opts: {
  readonly configuredKey?: Buffer;
  readonly keyPath: string;
  readonly storePath: string;
}): Promise<Buffer> {
  if (opts.configuredKey) return opts.configuredKey;
  let text: string | undefined;
  try {
    text = await readFile(opts.keyPath, "utf8");
  } catch (error) {
    if (!hasCode(error, "ENOENT")) throw error;
  }
  if (text !== undefined) {
    const key = parseStoreKey(text);
    if (!key) throw new StoreFileUnreadable(`its key file ${opts.keyPath} holds no 32-byte key`);
    return key;
  }
  if (existsSync(opts.storePath))
    throw new StoreFileUnreadable(
      `its key is missing (neither ${opts.keyPath} nor CRYPTO_STORE_KEY is there)`,
    );
  const key = randomBytes(STORE_KEY_BYTES);
  await writeFileAtomic(opts.keyPath, `${key.toString("base64")}\n`, { mode: 0o600 });
  return key;
}
