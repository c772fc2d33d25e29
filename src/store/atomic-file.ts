import { randomBytes } from "node:crypto";
import type { Stats } from "node:fs";
import { open, readdir, readFile, rename, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** What anteroom writes is for its own user only: moderators share the machine (codes, tokens, the audit log). */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

export interface WriteFileAtomicOptions {
  /** File permissions (default 0600); applied with chmod so the umask cannot loosen or tighten them. */
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
  const tmp = join(dir, `${tempPrefix(path)}${process.pid}-${randomBytes(6).toString("hex")}`);
  const mode = opts.mode ?? PRIVATE_FILE_MODE;
  const file = await open(tmp, "wx", mode);
  let stats: Stats;
  try {
    await file.chmod(mode);
    await file.writeFile(data);
    await file.sync();
    stats = await file.stat();
  } catch (err) {
    await file.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  try {
    await file.close();
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dir);
  return stats;
}

/**
 * Takes group and other permissions off a file opened for appending (the audit log, a journal),
 * so one left by the reference approver or an older version at 0644 is private from now on.
 */
export async function keepPrivate(file: FileHandle): Promise<void> {
  const { mode } = await file.stat();
  if ((mode & 0o077) !== 0) await file.chmod(PRIVATE_FILE_MODE);
}

function tempPrefix(path: string): string {
  return `.${basename(path)}.tmp-`;
}

/**
 * Removes the temp files a crash in the middle of `writeFileAtomic(path)` left (each a whole
 * copy of the file: on a disk that filled up they are space to win back). Called on open by
 * the data dir's one writer; a temp file of this process is never touched.
 */
export async function removeStaleTemps(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = tempPrefix(path);
  const ours = `${prefix}${process.pid}-`;
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => name.startsWith(prefix) && !name.startsWith(ours))
      .map((name) => unlink(join(dir, name)).catch(() => undefined)),
  );
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
