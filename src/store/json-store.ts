import type { Stats } from "node:fs";
import { chmod, copyFile, constants as fsConstants, link, stat } from "node:fs/promises";
import {
  hasCode,
  PRIVATE_FILE_MODE,
  readFileWithStatsIfExists,
  removeStaleTemps,
  writeFileAtomic,
} from "./atomic-file.js";
import type { WriteRetry } from "./write-faults.js";

export class StoreParseError extends Error {
  override readonly name = "StoreParseError";

  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(
      `${path} is not valid: ${detail}. Fix it by hand or restore it from a backup; anteroom left it untouched.`,
    );
  }
}

export interface JsonStoreWrite {
  path: string;
  bytes: number;
}

export interface JsonStoreOptions<T> {
  path: string;
  /** Turns parsed JSON into a value; throws a readable Error (e.g. a ZodError) on a bad shape. */
  parse: (raw: unknown) => T;
  /** The value used when the file does not exist yet. */
  empty: () => T;
  /** Maps the value to what is written, when it is not plain JSON already. */
  serialize?: (value: T) => unknown;
  /** Called after each completed write (tests count writes with it). */
  onWrite?: (write: JsonStoreWrite) => void;
  /** Called when a write scheduled by `update` fails; `flush` retries and rejects too. */
  onWriteError?: (err: unknown) => void;
  /** Failed writes are retried with its back-off until they succeed; `flush` waits for that. */
  retry?: WriteRetry;
}

/** What identifies one version of the file on disk, to notice hand edits. */
interface Fingerprint {
  ino: number;
  size: number;
  mtimeMs: number;
}

export class JsonStore<T> {
  private current: T;
  private fingerprint: Fingerprint | undefined;
  /** The text last read or written, to tell a real edit from a touch or a stat quirk. */
  private lastText: string | undefined;
  private dirty = false;
  private draining: Promise<void> | undefined;
  /** Serializes writes and reloads: the file is only touched by one of them at a time. */
  private ioTail: Promise<unknown> = Promise.resolve();
  /** The file on disk holds a bad hand edit that must be set aside before we write. */
  private rejectedOnDisk = false;

  private constructor(
    private readonly opts: JsonStoreOptions<T>,
    initial: T,
    loaded: { text: string; stats: Stats } | undefined,
  ) {
    this.current = initial;
    this.lastText = loaded?.text;
    this.fingerprint = loaded && fingerprintOf(loaded.stats);
  }

  static async open<T>(opts: JsonStoreOptions<T>): Promise<JsonStore<T>> {
    await removeStaleTemps(opts.path);
    const found = await readFileWithStatsIfExists(opts.path);
    if (found === undefined) return new JsonStore(opts, opts.empty(), undefined);
    const value = parseDocument(opts, found.text);
    return new JsonStore(opts, value, found);
  }

  get path(): string {
    return this.opts.path;
  }

  get value(): T {
    return this.current;
  }

  /** Changes the value in memory now; the write follows, coalesced with other updates. */
  update(mutate: (draft: T) => T | void): void {
    try {
      const next = mutate(this.current);
      if (next !== undefined) this.current = next;
    } finally {
      // Even a mutator that threw may have changed the draft; memory stays the truth.
      this.dirty = true;
      if (this.draining === undefined) {
        this.drain().catch((err: unknown) => this.opts.onWriteError?.(err));
      }
    }
  }

  /** Resolves once everything updated so far is on disk; rejects if a write fails. */
  async flush(): Promise<void> {
    while (this.dirty || this.draining !== undefined) await this.drain();
  }

  async reloadIfChangedOnDisk(): Promise<{ changed: boolean; error?: StoreParseError }> {
    return this.exclusive(async () => {
      let stats: Stats;
      try {
        stats = await stat(this.opts.path);
      } catch (err) {
        if (!hasCode(err, "ENOENT")) throw err;
        // Deleted by hand: keep what we know and put the file back rather than start empty.
        if (this.fingerprint !== undefined) {
          this.fingerprint = undefined;
          this.lastText = undefined;
          this.rejectedOnDisk = false;
          this.update(() => undefined);
        }
        return { changed: false };
      }
      if (sameFingerprint(this.fingerprint, fingerprintOf(stats))) return { changed: false };

      const found = await readFileWithStatsIfExists(this.opts.path);
      if (found === undefined) return { changed: false };
      // An editor may save a new file under the moderator's umask (0644): private again at once.
      if ((found.stats.mode & 0o077) !== 0) await chmod(this.opts.path, PRIVATE_FILE_MODE);
      this.fingerprint = fingerprintOf(found.stats);
      // Same bytes as ours: replacing the value would only drop updates not yet written.
      if (found.text === this.lastText) return { changed: false };
      this.lastText = found.text;
      try {
        this.current = parseDocument(this.opts, found.text);
      } catch (err) {
        if (!(err instanceof StoreParseError)) throw err;
        this.rejectedOnDisk = true;
        return { changed: false, error: err };
      }
      this.rejectedOnDisk = false;
      return { changed: true };
    });
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private drain(): Promise<void> {
    this.draining ??= this.writeWhileDirty();
    return this.draining;
  }

  private async writeWhileDirty(): Promise<void> {
    try {
      // Let the rest of a synchronous burst of updates land before serializing.
      await Promise.resolve();
      while (this.dirty) {
        this.dirty = false;
        try {
          await this.exclusive(() => this.writeOnce());
          this.opts.retry?.succeeded(this.opts.path);
        } catch (err) {
          this.dirty = true;
          if (!this.opts.retry) throw err;
          await this.opts.retry.failed(this.opts.path, err);
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async writeOnce(): Promise<void> {
    // Serialize first, synchronously: later updates belong to the next write.
    const document = this.opts.serialize ? this.opts.serialize(this.current) : this.current;
    const text = JSON.stringify(document, null, 2) + "\n";
    if (this.rejectedOnDisk) {
      await setAside(this.opts.path);
      this.rejectedOnDisk = false;
    }
    const stats = await writeFileAtomic(this.opts.path, text);
    this.fingerprint = fingerprintOf(stats);
    this.lastText = text;
    this.opts.onWrite?.({ path: this.opts.path, bytes: Buffer.byteLength(text) });
  }

  private exclusive<R>(task: () => Promise<R>): Promise<R> {
    const run = this.ioTail.then(task);
    this.ioTail = run.catch(() => undefined);
    return run;
  }
}

/** Parses a store file's text; a StoreParseError names the file when it is not JSON. */
export function parseJsonText(path: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new StoreParseError(path, `it is not JSON (${errorMessage(err)})`);
  }
}

function parseDocument<T>(opts: JsonStoreOptions<T>, text: string): T {
  const raw = parseJsonText(opts.path, text);
  try {
    return opts.parse(raw);
  } catch (err) {
    throw new StoreParseError(opts.path, describeShapeError(err));
  }
}

/** Keeps a bad hand edit as `<path>.rejected-<time>` before our write replaces it. */
async function setAside(path: string): Promise<void> {
  const target = `${path}.rejected-${new Date().toISOString().replaceAll(":", "")}`;
  try {
    // A hard link keeps the original in place until the atomic write replaces it, so a
    // crash in between never leaves the store without a file.
    await link(path, target);
  } catch (err) {
    if (hasCode(err, "ENOENT")) return;
    if (hasCode(err, "EEXIST")) throw err;
    await copyFile(path, target, fsConstants.COPYFILE_EXCL);
    // A copy takes the original's mode, which a hand edit may have loosened.
    await chmod(target, PRIVATE_FILE_MODE);
  }
}

/** Zod-style issues become one line: `a.b: message; c: message`. */
function describeShapeError(err: unknown): string {
  if (typeof err === "object" && err !== null && "issues" in err && Array.isArray(err.issues)) {
    const lines = err.issues.map((issue: unknown) => describeIssue(issue));
    if (lines.length > 0) return lines.join("; ");
  }
  return errorMessage(err);
}

function describeIssue(issue: unknown): string {
  if (typeof issue !== "object" || issue === null) return String(issue);
  const message = "message" in issue ? String(issue.message) : "invalid";
  const path = "path" in issue && Array.isArray(issue.path) ? issue.path.map(String).join(".") : "";
  return path === "" ? message : `${path}: ${message}`;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function fingerprintOf(stats: Stats): Fingerprint {
  return { ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs };
}

function sameFingerprint(a: Fingerprint | undefined, b: Fingerprint): boolean {
  return a !== undefined && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
