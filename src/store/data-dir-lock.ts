import { randomBytes } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { link, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { hasCode, readFileIfExists, writeFileAtomic } from "./atomic-file.js";

export const LOCK_FILE_NAME = "anteroom.lock";

export class DataDirLockedError extends Error {
  override readonly name = "DataDirLockedError";

  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly host: string = hostname(),
  ) {
    // From another host we cannot tell whether the holder still runs, so say how to clear it.
    const where =
      host === hostname()
        ? ""
        : ` on host ${host}; if that host is gone, delete ${join(dataDir, LOCK_FILE_NAME)}`;
    super(
      `another anteroom (pid ${pid}${where}) owns ${dataDir}; attach to it with \`anteroom\` (the console) or stop it first`,
    );
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

interface LockHolder {
  pid: number;
  startedAt: string;
  hostname: string;
}

/**
 * Lock and takeover-guard files this process holds, with the content we wrote
 * (a pid alone cannot tell us from an earlier process that had our pid).
 */
const heldHere = new Map<string, string>();
let exitHookInstalled = false;

const MAX_ATTEMPTS = 50;

export async function acquireDataDirLock(dataDir: string): Promise<DataDirLock> {
  const lockPath = resolve(dataDir, LOCK_FILE_NAME);
  const holder: LockHolder = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    hostname: hostname(),
  };
  const ours = JSON.stringify(holder) + "\n";

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (await createExclusive(lockPath, ours)) return hold(lockPath, ours);
    const theirs = await readFileIfExists(lockPath);
    if (theirs === undefined) continue; // released between our try and our look
    const other = parseHolder(theirs);
    if (other !== undefined && isRunning(other, lockPath)) {
      throw new DataDirLockedError(dataDir, other.pid, other.hostname);
    }
    if (await takeOver(lockPath, theirs, ours)) return hold(lockPath, ours);
    await sleep(5 + Math.random() * 20);
  }
  throw new Error(`could not acquire ${lockPath}: it kept changing while we tried`);
}

/**
 * Replaces a stale lock. The guard file makes check-and-replace exclusive among
 * starters, and the rename-over means the lock file never vanishes meanwhile.
 */
async function takeOver(lockPath: string, stale: string, ours: string): Promise<boolean> {
  const guardPath = `${lockPath}.takeover`;
  if (!(await createExclusive(guardPath, ours))) {
    await clearDeadGuard(guardPath);
    return false;
  }
  holdHere(guardPath, ours);
  try {
    if ((await readFileIfExists(lockPath)) !== stale) return false;
    await writeFileAtomic(lockPath, ours);
    return true;
  } finally {
    heldHere.delete(guardPath);
    await unlink(guardPath).catch(ignoreMissing);
  }
}

/** A guard outlives its owner only if that starter was killed mid-takeover. */
async function clearDeadGuard(guardPath: string): Promise<void> {
  const text = await readFileIfExists(guardPath);
  if (text === undefined) return;
  const owner = parseHolder(text);
  if (owner === undefined || !isRunning(owner, guardPath)) {
    await unlink(guardPath).catch(ignoreMissing);
  }
}

function hold(lockPath: string, ours: string): DataDirLock {
  holdHere(lockPath, ours);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        if ((await readFileIfExists(lockPath)) === ours)
          await unlink(lockPath).catch(ignoreMissing);
      } finally {
        heldHere.delete(lockPath);
      }
    },
  };
}

function holdHere(path: string, ours: string): void {
  heldHere.set(path, ours);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", releaseAllSync);
}

/** On exit nothing async runs any more, so remove what is still ours synchronously. */
function releaseAllSync(): void {
  for (const [path, ours] of heldHere) {
    try {
      if (readFileSync(path, "utf8") === ours) unlinkSync(path);
    } catch {
      // Exiting anyway; a leftover lock is stale and the next start takes it over.
    }
  }
  heldHere.clear();
}

/** Creates `path` with its full content or not at all: link() fails if it exists, like O_EXCL. */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`;
  await writeFile(tmp, content, { flag: "wx" });
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    if (hasCode(err, "EEXIST")) return false;
    throw err;
  } finally {
    await unlink(tmp).catch(ignoreMissing);
  }
}

function isRunning(holder: LockHolder, path: string): boolean {
  if (holder.hostname !== hostname()) return true;
  // Our own pid in a lock we do not hold is a leftover from an earlier life (pid 1 in a container).
  if (holder.pid === process.pid) return heldHere.has(path);
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return !hasCode(err, "ESRCH");
  }
}

function parseHolder(text: string): LockHolder | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== "object" || raw === null) return undefined;
  const { pid, startedAt, hostname: host } = raw as Record<string, unknown>;
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0) return undefined;
  if (typeof host !== "string") return undefined;
  return { pid, startedAt: typeof startedAt === "string" ? startedAt : "", hostname: host };
}

function ignoreMissing(err: unknown): void {
  if (!hasCode(err, "ENOENT")) throw err;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
