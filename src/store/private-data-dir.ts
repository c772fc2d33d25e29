/**
 * The data dir is private: moderators share the machine, and it holds live
 * invite codes, the bot's token and the audit log. The stores create every
 * file 0600 themselves; this is the start-up step for what was there before
 * (a data dir carried over from the reference approver, written 0644 under
 * the usual umask): the dir and its subfolders become 0700, every file 0600.
 */
import { chmod, lstat, mkdir, readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { hasCode, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "./atomic-file.js";

/** Group and other permission bits. */
const SHARED_BITS = 0o077;

export interface Tightening {
  /** What was readable (or writable) by others and is now private, relative to the data dir. */
  readonly tightened: readonly string[];
  /** What could not be tightened (e.g. another user's file), with why. */
  readonly failed: readonly { readonly path: string; readonly error: string }[];
}

/**
 * Files this process creates get no group or other bits, whatever the shell's umask: a file some
 * library writes without a mode of its own is private too.
 */
export function usePrivateUmask(): void {
  process.umask(0o077);
}

/**
 * Creates the data dir 0700, or makes an existing one private: the dir, its subfolders and every
 * file in them. `outside` lists files kept elsewhere by setting (CODES_PATH, LOG_PATH…), made 0600
 * too when they exist. Symbolic links are left alone and not followed.
 */
export async function makeDataDirPrivate(
  dataDir: string,
  outside: readonly string[] = [],
): Promise<Tightening> {
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const tightened: string[] = [];
  const failed: { path: string; error: string }[] = [];
  const tighten = async (path: string, mode: number, current: number): Promise<void> => {
    if ((current & SHARED_BITS) === 0) return;
    try {
      await chmod(path, mode);
      tightened.push(relative(dataDir, path) || ".");
    } catch (error) {
      if (!hasCode(error, "ENOENT")) failed.push({ path, error: (error as Error).message });
    }
  };
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      failed.push({ path: dir, error: (error as Error).message });
      return;
    }
    for (const entry of entries) {
      if (entry.isSymbolicLink()) continue;
      const path = join(dir, entry.name);
      const mode = await modeOf(path);
      if (mode === undefined) continue; // gone meanwhile
      if (entry.isDirectory()) {
        await tighten(path, PRIVATE_DIR_MODE, mode);
        await walk(path);
      } else {
        await tighten(path, PRIVATE_FILE_MODE, mode);
      }
    }
  };
  // The data dir itself may be a link to where a volume is mounted: that one is followed.
  await tighten(dataDir, PRIVATE_DIR_MODE, (await stat(dataDir)).mode);
  await walk(dataDir);
  for (const path of outside) {
    const mode = await modeOf(path);
    if (mode !== undefined) await tighten(path, PRIVATE_FILE_MODE, mode);
  }
  return { tightened, failed };
}

async function modeOf(path: string): Promise<number | undefined> {
  try {
    const stats = await lstat(path);
    return stats.isSymbolicLink() ? undefined : stats.mode;
  } catch {
    return undefined;
  }
}
