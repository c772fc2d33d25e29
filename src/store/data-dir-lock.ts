/**
 * One engine per data dir, also across hosts and containers sharing a volume.
 * The holder rewrites a heartbeat in the lock every few seconds; a lock whose
 * heartbeat has stopped is taken over whatever host wrote it, and a lock of a
 * dead process on this host at once.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, readlinkSync, renameSync, unlinkSync } from "node:fs";
import { link, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { hasCode, PRIVATE_FILE_MODE, readFileIfExists, writeFileAtomic } from "./atomic-file.js";

export const LOCK_FILE_NAME = "anteroom.lock";

/** How often the holder proves it lives, and after how long without proof its lock is taken over. */
export interface LockTiming {
  readonly heartbeatMs: number;
  readonly staleMs: number;
}

export const LOCK_TIMING: LockTiming = { heartbeatMs: 5_000, staleMs: 20_000 };

export class DataDirLockedError extends Error {
  override readonly name = "DataDirLockedError";

  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly host: string = hostname(),
    /** When a holder whose pid cannot be checked from here last proved it lives (its clock). */
    readonly heartbeatAt?: Date,
  ) {
    super(
      host === hostname() && heartbeatAt === undefined
        ? `another anteroom (pid ${pid}) owns ${dataDir}; attach to it with \`anteroom\` (the console) or stop it first`
        : `another anteroom (pid ${pid} on host ${host}${lastSeen(heartbeatAt)}) owns ${dataDir}; ` +
            "attach to it with `anteroom` (the console), stop it, or start this one with --standby to take over when it stops",
    );
  }
}

function lastSeen(heartbeatAt: Date | undefined): string {
  if (heartbeatAt === undefined) return "";
  const ago = Math.max(0, Math.round((Date.now() - heartbeatAt.getTime()) / 1000));
  return `, last heartbeat ${ago} s ago at ${heartbeatAt.toISOString()}`;
}

export interface DataDirLock {
  release(): Promise<void>;
}

export interface LockOptions {
  readonly timing?: LockTiming;
  /**
   * Another instance has the lock now (this process was silent for too long, or
   * the file was replaced): stop touching the data dir.
   */
  readonly onLost?: (detail: string) => void;
  /** A heartbeat could not be written; the next one tries again. */
  readonly onHeartbeatError?: (error: unknown) => void;
}

export interface StandbyOptions extends LockOptions {
  /** Called once, when the lock is first found held by a live instance. */
  readonly onStandingBy: (holder: DataDirLockedError) => void;
}

interface LockHolder {
  /** Tells this holding apart from an earlier process that had the same pid. */
  id: string;
  pid: number;
  hostname: string;
  /** Containers can share a host name (host networking) but not their pids. */
  pidNamespace?: string;
  startedAt: string;
  heartbeatAt: string;
}

/** Paths this process holds (the lock, a takeover guard), each with how to recognise our content. */
const heldHere = new Map<string, (text: string) => boolean>();
/**
 * Holder ids of this process's acquirers still at work, by lock path: a lock (or guard) one of
 * them has just written, before it could say so in heldHere, is live, not a leftover.
 */
const acquiringHere = new Map<string, Set<string>>();
let exitHookInstalled = false;

const MAX_ATTEMPTS = 50;
/** The file a takeover holds while it checks and replaces a stale lock. */
const GUARD_SUFFIX = ".takeover";

/** Takes the lock, or throws DataDirLockedError when a live instance holds it. */
export async function acquireDataDirLock(
  dataDir: string,
  options: LockOptions = {},
): Promise<DataDirLock> {
  return acquire(dataDir, options, new Sightings());
}

/** Takes the lock, waiting (polling) while a live instance holds it: the standby of a shared volume. */
export async function waitForDataDirLock(
  dataDir: string,
  options: StandbyOptions,
): Promise<DataDirLock> {
  const sightings = new Sightings();
  const pollMs = Math.min(1_000, (options.timing ?? LOCK_TIMING).heartbeatMs);
  let toldStandingBy = false;
  for (;;) {
    try {
      return await acquire(dataDir, options, sightings);
    } catch (error) {
      if (!(error instanceof DataDirLockedError)) throw error;
      if (!toldStandingBy) options.onStandingBy(error);
      toldStandingBy = true;
    }
    await sleep(pollMs);
  }
}

async function acquire(
  dataDir: string,
  options: LockOptions,
  sightings: Sightings,
): Promise<DataDirLock> {
  const lockPath = resolve(dataDir, LOCK_FILE_NAME);
  const startedAt = new Date().toISOString();
  const ours: LockHolder = {
    id: randomBytes(8).toString("hex"),
    pid: process.pid,
    hostname: hostname(),
    ...(PID_NAMESPACE === undefined ? {} : { pidNamespace: PID_NAMESPACE }),
    startedAt,
    heartbeatAt: startedAt,
  };
  const acquiring = acquiringHere.get(lockPath) ?? new Set<string>();
  acquiringHere.set(lockPath, acquiring.add(ours.id));
  try {
    return await acquireAs(lockPath, dataDir, ours, options, sightings);
  } finally {
    acquiring.delete(ours.id);
    if (acquiring.size === 0) acquiringHere.delete(lockPath);
  }
}

async function acquireAs(
  lockPath: string,
  dataDir: string,
  ours: LockHolder,
  options: LockOptions,
  sightings: Sightings,
): Promise<DataDirLock> {
  const timing = options.timing ?? LOCK_TIMING;
  const fresh = () => formatHolder({ ...ours, heartbeatAt: new Date().toISOString() });
  // Claimed the moment the file is ours, so a racing acquirer in this process sees it held.
  const claim = () => holdHere(lockPath, (text) => parseHolder(text)?.id === ours.id);

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // Taken before the content is formatted: the earliest moment a standby could have seen it.
    const provenAt = performance.now();
    if (await createExclusive(lockPath, fresh(), claim))
      return hold(lockPath, ours, { timing, options, sightings, provenAt });
    const theirs = await readFileIfExists(lockPath);
    if (theirs === undefined) continue; // released between our try and our look
    const verdict = judgeLock(lockPath, theirs, timing, sightings);
    if (verdict.kind === "live") {
      const holder = verdict.holder;
      const beat = seesPid(holder) ? undefined : holder.heartbeatAt;
      throw new DataDirLockedError(dataDir, holder.pid, holder.hostname, beat);
    }
    if (verdict.kind === "unsure") {
      await sleep(verdict.waitMs);
      continue;
    }
    const takenAt = performance.now();
    const taken = await takeOver(lockPath, theirs, fresh(), claim, timing, sightings);
    if (taken === true)
      return hold(lockPath, ours, { timing, options, sightings, provenAt: takenAt });
    await sleep(Math.max(taken, 5 + Math.random() * 20));
  }
  throw new Error(`could not acquire ${lockPath}: it kept changing while we tried`);
}

type Verdict =
  | { kind: "live"; holder: ParsedHolder }
  | { kind: "stale" }
  /** Looks stale by its clock: watch a little longer, in case that clock is off. */
  | { kind: "unsure"; waitMs: number };

function judgeLock(path: string, text: string, timing: LockTiming, sightings: Sightings): Verdict {
  const holder = parseHolder(text);
  if (holder === undefined) return { kind: "stale" }; // garbled: no live engine writes that
  const age =
    holder.heartbeatAt === undefined ? Infinity : Date.now() - holder.heartbeatAt.getTime();
  if (seesPid(holder)) {
    if (!pidRunning(holder, path)) return { kind: "stale" };
    // Same clock, so the age is exact. A live pid with a stopped heartbeat is hung or not ours
    // (a reused pid); a lock without a heartbeat comes from a version that wrote none.
    const beats = holder.heartbeatAt !== undefined && holder.id !== undefined;
    return beats && age >= timing.staleMs ? { kind: "stale" } : { kind: "live", holder };
  }
  // Another host or container: judge by what we saw ourselves, since its clock may differ from ours.
  const watched = sightings.watch(path, text);
  if (watched.forMs >= timing.staleMs) return { kind: "stale" };
  if (age < timing.staleMs) return { kind: "live", holder };
  const confirmMs = confirmWindowMs(timing);
  if (watched.forMs >= confirmMs) return { kind: "stale" };
  // It moved a moment ago: a live holder whose clock is behind ours.
  if (watched.moved) return { kind: "live", holder };
  return { kind: "unsure", waitMs: confirmMs - watched.forMs };
}

/**
 * Replaces a stale lock. The guard file makes check-and-replace exclusive among
 * starters, and the rename-over means the lock file never vanishes meanwhile.
 * Resolves true when the lock is ours, else with how long to wait before trying again.
 */
async function takeOver(
  lockPath: string,
  stale: string,
  ours: string,
  claim: () => void,
  timing: LockTiming,
  sightings: Sightings,
): Promise<true | number> {
  const guardPath = `${lockPath}${GUARD_SUFFIX}`;
  const guarded = await createExclusive(guardPath, ours, () =>
    holdHere(guardPath, (text) => text === ours),
  );
  if (!guarded) return clearDeadGuard(guardPath, timing, sightings);
  try {
    if ((await readFileIfExists(lockPath)) !== stale) return 0;
    await writeFileAtomic(lockPath, ours);
    claim();
    return true;
  } finally {
    heldHere.delete(guardPath);
    await unlink(guardPath).catch(ignoreMissing);
  }
}

/**
 * A guard outlives its owner only if that starter was killed mid-takeover.
 * Resolves with how long to watch a guard from another host before calling it dead.
 */
async function clearDeadGuard(
  guardPath: string,
  timing: LockTiming,
  sightings: Sightings,
): Promise<number> {
  const text = await readFileIfExists(guardPath);
  if (text === undefined) return 0;
  const owner = parseHolder(text);
  if (owner !== undefined && seesPid(owner)) {
    if (pidRunning(owner, guardPath)) return 0;
  } else if (owner !== undefined) {
    // A takeover lasts milliseconds: a guard from another host that stays put is a dead taker's.
    const watched = sightings.watch(guardPath, text).forMs;
    const confirmMs = confirmWindowMs(timing);
    if (watched < confirmMs) return confirmMs - watched;
  }
  await unlink(guardPath).catch(ignoreMissing);
  return 0;
}

/**
 * A starter replaces a lock whose content it has watched stand still this long, even when the
 * holder's clock says the heartbeat is fresh (its clock may be off): twice the heartbeat.
 */
function confirmWindowMs(timing: LockTiming): number {
  return 2 * timing.heartbeatMs;
}

/**
 * How long after the last proof of life (a write of our content) the holder may still simply
 * replace the lock: no starter can have taken it over before the soonest it may judge it stale,
 * and half a heartbeat is kept in hand. Later, the heartbeat goes through the takeover guard.
 */
function plainWriteWindowMs(timing: LockTiming): number {
  return Math.min(timing.staleMs, confirmWindowMs(timing)) - timing.heartbeatMs / 2;
}

interface Holding {
  readonly timing: LockTiming;
  readonly options: LockOptions;
  readonly sightings: Sightings;
  /** When the claim's content was made, on the monotonic clock. */
  readonly provenAt: number;
}

/**
 * Keeps a claimed lock: the heartbeat, and its release. The heartbeat never lands on a standby's
 * takeover: it replaces the lock plainly only while no standby can have judged it stale yet, else
 * through the same guard a takeover holds; and after each write it reads the lock back, so a
 * takeover that lands just after is seen at once.
 */
function hold(lockPath: string, ours: LockHolder, holding: Holding): DataDirLock {
  const { timing, options, sightings } = holding;
  const isOurs = (text: string) => parseHolder(text)?.id === ours.id;
  let state: "held" | "lost" | "released" = "held";
  let beating: Promise<void> | undefined;
  let provenAt = holding.provenAt;

  const lose = (text: string | undefined): void => {
    state = "lost";
    clearInterval(timer);
    heldHere.delete(lockPath);
    const other = text === undefined ? undefined : parseHolder(text);
    options.onLost?.(
      other === undefined
        ? `${lockPath} was replaced`
        : `pid ${other.pid} on host ${other.hostname} took ${lockPath} over`,
    );
  };

  /** Writes our fresh content over `current` (ours); false when it was not written this time. */
  const refresh = async (current: string, fresh: string): Promise<boolean> => {
    const deadline = provenAt + plainWriteWindowMs(timing);
    if (performance.now() < deadline && (await replaceBefore(lockPath, fresh, deadline)))
      return true;
    // Silent for longer: a standby may be replacing the lock right now. Only under the guard.
    return (await takeOver(lockPath, current, fresh, () => undefined, timing, sightings)) === true;
  };

  const beat = async (): Promise<void> => {
    const text = await readFileIfExists(lockPath);
    if (state !== "held") return;
    const madeAt = performance.now();
    const fresh = formatHolder({ ...ours, heartbeatAt: new Date().toISOString() });
    if (text !== undefined && isOurs(text)) {
      if (!(await refresh(text, fresh))) return; // someone holds the guard: the next beat sees who won
      const after = await readFileIfExists(lockPath);
      if (after === fresh) provenAt = madeAt;
      else if (after !== undefined && state === "held") lose(after);
      return;
    }
    // Deleted by hand while we run: put it back, unless someone was quicker.
    if (text === undefined && (await createExclusive(lockPath, fresh, () => undefined))) {
      provenAt = madeAt;
      return;
    }
    if (state === "held") lose(text);
  };
  const timer = setInterval(() => {
    if (beating !== undefined) return; // a slow disk: one heartbeat at a time
    beating = beat()
      .catch((error: unknown) => options.onHeartbeatError?.(error))
      .finally(() => (beating = undefined));
  }, timing.heartbeatMs);
  // The heartbeat alone must not keep a finished process alive.
  timer.unref();

  return {
    async release() {
      if (state === "released") return;
      const wasHeld = state === "held";
      state = "released";
      clearInterval(timer);
      await beating;
      try {
        const text = await readFileIfExists(lockPath);
        if (wasHeld && text !== undefined && isOurs(text))
          await unlink(lockPath).catch(ignoreMissing);
      } finally {
        heldHere.delete(lockPath);
      }
    },
  };
}

/**
 * Replaces the lock with `content` if that happens before `deadline` (monotonic clock); false if
 * not. The check and the rename are synchronous and adjacent, so no queue (not even the thread
 * pool's) runs between them. No fsync: a heartbeat lost to a power cut proves nothing anyway.
 */
async function replaceBefore(path: string, content: string, deadline: number): Promise<boolean> {
  const tmp = tempPathFor(path);
  try {
    await writeFile(tmp, content, { flag: "wx", mode: PRIVATE_FILE_MODE });
    if (performance.now() >= deadline) return false;
    renameSync(tmp, path);
    return true;
  } finally {
    await unlink(tmp).catch(ignoreMissing); // gone after the rename
  }
}

function holdHere(path: string, isOurs: (text: string) => boolean): void {
  heldHere.set(path, isOurs);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", releaseAllSync);
}

/** On exit nothing async runs any more, so remove what is still ours synchronously. */
function releaseAllSync(): void {
  for (const [path, isOurs] of heldHere) {
    try {
      if (isOurs(readFileSync(path, "utf8"))) unlinkSync(path);
    } catch {
      // Exiting anyway; a leftover lock is stale and the next start takes it over.
    }
  }
  heldHere.clear();
}

/**
 * Creates `path` with its full content or not at all: link() fails if it exists,
 * like O_EXCL. `claimed` runs as soon as the file exists.
 */
async function createExclusive(
  path: string,
  content: string,
  claimed: () => void,
): Promise<boolean> {
  const tmp = tempPathFor(path);
  try {
    // Inside the try: a write that fails part-way (a full disk) leaves no temp file behind.
    await writeFile(tmp, content, { flag: "wx", mode: PRIVATE_FILE_MODE });
    await link(tmp, path);
    claimed();
    return true;
  } catch (err) {
    if (hasCode(err, "EEXIST")) return false;
    if (hasCode(err, ...NO_HARD_LINKS)) throw new LockUnsupportedError(dirname(path), err);
    throw err;
  } finally {
    await unlink(tmp).catch(ignoreMissing);
  }
}

function tempPathFor(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`;
}

/** What link() fails with where the filesystem has no hard links (FAT, exFAT, some FUSE and SMB mounts). */
const NO_HARD_LINKS = ["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"];

/** The data dir is on a filesystem the lock cannot work on: refuse to start rather than risk two engines. */
export class LockUnsupportedError extends Error {
  override readonly name = "LockUnsupportedError";

  constructor(dataDir: string, cause: unknown) {
    super(
      `${dataDir} is on a filesystem without hard links (${(cause as { code?: string }).code}), which the data-dir lock needs to keep a second engine out; put DATA_DIR on a local filesystem such as ext4, xfs or btrfs (or NFS)`,
      { cause },
    );
  }
}

const PID_NAMESPACE = pidNamespace();

function pidNamespace(): string | undefined {
  try {
    return readlinkSync("/proc/self/ns/pid"); // e.g. "pid:[4026531836]"; Linux only
  } catch {
    return undefined;
  }
}

/** Whether the holder's pid means the same process here: same host, same pid namespace. */
function seesPid(holder: ParsedHolder): boolean {
  if (holder.hostname !== hostname()) return false;
  // Locks from before this field, and systems without namespaces, go by the host name alone.
  return (
    holder.pidNamespace === undefined ||
    PID_NAMESPACE === undefined ||
    holder.pidNamespace === PID_NAMESPACE
  );
}

/** For a holder whose pid we can see: whether its process still runs. */
function pidRunning(holder: ParsedHolder, path: string): boolean {
  // Our own pid in a file we do not hold is a leftover from an earlier life (pid 1 in a container).
  if (holder.pid === process.pid) {
    const isOurs = heldHere.get(path);
    if (isOurs?.(holder.text)) return true;
    const lockPath = path.endsWith(GUARD_SUFFIX) ? path.slice(0, -GUARD_SUFFIX.length) : path;
    return holder.id !== undefined && acquiringHere.get(lockPath)?.has(holder.id) === true;
  }
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return !hasCode(err, "ESRCH");
  }
}

/**
 * How long this process has seen a file hold the same content, on its own
 * monotonic clock: a heartbeat that stops is seen without trusting the writer's clock.
 */
class Sightings {
  private readonly seen = new Map<string, { text: string; since: number; moved: boolean }>();

  /** `moved`: we saw this content replace other content, so someone wrote it since we first looked. */
  watch(path: string, text: string): { forMs: number; moved: boolean } {
    const now = performance.now();
    const last = this.seen.get(path);
    if (last?.text === text) return { forMs: now - last.since, moved: last.moved };
    this.seen.set(path, { text, since: now, moved: last !== undefined });
    return { forMs: 0, moved: last !== undefined };
  }
}

function formatHolder(holder: LockHolder): string {
  return JSON.stringify(holder) + "\n";
}

interface ParsedHolder {
  text: string;
  pid: number;
  hostname: string;
  pidNamespace?: string;
  /** Absent in locks written before heartbeats. */
  id?: string;
  heartbeatAt?: Date;
}

function parseHolder(text: string): ParsedHolder | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== "object" || raw === null) return undefined;
  const {
    id,
    pid,
    hostname: host,
    pidNamespace,
    startedAt,
    heartbeatAt,
  } = raw as Record<string, unknown>;
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0) return undefined;
  if (typeof host !== "string") return undefined;
  // A lock from before heartbeats last proved its holder alive when it started.
  const beat = parseTime(heartbeatAt) ?? parseTime(startedAt);
  return {
    text,
    pid,
    hostname: host,
    ...(typeof pidNamespace === "string" ? { pidNamespace } : {}),
    ...(typeof id === "string" ? { id } : {}),
    ...(beat === undefined ? {} : { heartbeatAt: beat }),
  };
}

function parseTime(value: unknown): Date | undefined {
  if (typeof value !== "string") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function ignoreMissing(err: unknown): void {
  if (!hasCode(err, "ENOENT")) throw err;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
