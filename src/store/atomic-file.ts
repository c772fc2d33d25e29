import { randomBytes } from "node:crypto";
import type { Stats } from "node:fs";
import { open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export interface WriteFileAtomicOptions {
  /** File permissions; applied with chmod so the umask cannot loosen or tighten them. */
  mode?: number;
}

/**
 * Replaces `path` with `data` so that a crash leaves either the old or the new
 * content, never a torn file. Resolves with the stats of the file now at `path`
 * (its inode, size and mtime are what a later hand edit would change).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: WriteFileAtomicOptions = {},
): Promise<Stats> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
  const file = await open(tmp, "wx", opts.mode ?? 0o666);
  let stats: Stats;
  try {
    if (opts.mode !== undefined) await file.chmod(opts.mode);
    await file.writeFile(data);
    await file.sync();
    stats = await file.stat();
  } catch (err) {
    await file.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await file.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dir);
  return stats;
}

/** Makes a rename or link in `dir` survive a power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } catch (err) {
    // Some platforms and filesystems cannot fsync a directory; the rename still happened.
    if (!hasCode(err, "EINVAL", "EISDIR", "EPERM", "ENOTSUP")) throw err;
  } finally {
    await handle.close();
  }
}

export async function readFileIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if (hasCode(err, "ENOENT")) return undefined;
    throw err;
  }
}

/** Reads the content and the stats from the same open file, so both describe one version. */
export async function readFileWithStatsIfExists(
  path: string,
): Promise<{ text: string; stats: Stats } | undefined> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    if (hasCode(err, "ENOENT")) return undefined;
    throw err;
  }
  try {
    const stats = await handle.stat();
    const text = await handle.readFile("utf8");
    return { text, stats };
  } finally {
    await handle.close();
  }
}

export function hasCode(err: unknown, ...codes: string[]): boolean {
  return (
    typeof err === "object" &&
    err !== null &&
    "code" in err &&
    typeof err.code === "string" &&
    codes.includes(err.code)
  );
}
