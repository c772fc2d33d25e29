/**
 * A keyed book (`{ key: record }`) kept as a base JSON file plus an append-only journal beside it
 * (`<path>.journal`, one JSON line per changed key). A commit appends only the records it touched and
 * fdatasyncs, instead of rewriting the whole book: with hundreds of records the full rewrite
 * (stringify, write, fsync) was most of the engine's CPU per knock and of its garbage.
 *
 * The base file is rewritten ("compacted") when the journal outgrows it, when the book has been quiet
 * for a moment (so the file an operator reads is current), on open after a restart, and on close.
 * Crash safety: a commit is durable once its journal line is synced; a torn last line was never
 * acknowledged and is dropped on open. Compaction first journals what is pending, then replaces the
 * base atomically with exactly that state, then empties the journal: a crash in between replays old
 * lines whose final values equal the new base, so replaying is always safe.
 *
 * Which keys changed is learnt from the mutators passed to `update`: they get a draft that notes
 * every key read, written or deleted. A mutator that lists the keys or returns a new book makes the
 * next write a full one.
 */
import { open, unlink, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import type { Store } from "../../core/ports.js";
import {
  fsyncDir,
  keepPrivate,
  PRIVATE_FILE_MODE,
  readFileIfExists,
  removeStaleTemps,
  writeFileAtomic,
} from "./atomic-file.js";
import { parseJsonText, StoreParseError, type JsonStoreWrite } from "./json-store.js";
import type { WriteRetry } from "./write-faults.js";

export interface JournaledBookOptions<R> {
  /** The base file; the journal is `<path>.journal`. */
  path: string;
  /** Turns the parsed book into a value; throws a readable Error on a bad shape. */
  parse: (raw: unknown) => Record<string, R>;
  /** Quiet time after which the base file is brought up to date. Default 5 s. */
  compactAfterQuietMs?: number;
  /** The journal is folded into the base once it is larger than this and than the base. */
  minCompactBytes?: number;
  /** Called after each completed write (tests look at them). */
  onWrite?: (write: JsonStoreWrite & { kind: "journal" | "base" }) => void;
  /** A write scheduled by `update` or by the quiet timer failed; `flush` retries and rejects too. */
  onWriteError?: (err: unknown) => void;
  /** Failed writes are retried with its back-off until they succeed; `flush` waits for that. */
  retry?: WriteRetry;
}

type JournalLine = { k: string; v: unknown } | { k: string; d: 1 };

export class JournaledBook<R> implements Store<Record<string, R>> {
  private current: Record<string, R>;
  /** Keys touched since the last write. */
  private readonly changed = new Set<string>();
  /** The next write replaces the base file (and empties the journal). */
  private rewrite = false;
  private journal: FileHandle | undefined;
  /** Bytes of whole lines in the journal file; anything past it is a torn append. */
  private journalBytes: number;
  private baseBytes: number;
  /** An append failed part-way: cut the journal back to `journalBytes` before the next one. */
  private torn = false;
  private draining: Promise<void> | undefined;
  private quietTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly opts: JournaledBookOptions<R>,
    initial: Record<string, R>,
    sizes: { base: number; journal: number },
  ) {
    this.current = initial;
    this.baseBytes = sizes.base;
    this.journalBytes = sizes.journal;
  }

  get journalPath(): string {
    return `${this.opts.path}.journal`;
  }

  static async open<R>(opts: JournaledBookOptions<R>): Promise<JournaledBook<R>> {
    await removeStaleTemps(opts.path);
    const base = await readFileIfExists(opts.path);
    const journalPath = `${opts.path}.journal`;
    const journal = await readFileIfExists(journalPath);
    let raw: unknown = base === undefined ? {} : parseJsonText(opts.path, base);
    if (journal) raw = replay(raw, journal, journalPath);
    let value: Record<string, R>;
    try {
      value = opts.parse(raw);
    } catch (err) {
      const where = journal ? `${opts.path} with ${journalPath} replayed` : opts.path;
      throw new StoreParseError(where, err instanceof Error ? err.message : String(err));
    }
    const book = new JournaledBook(opts, value, {
      base: Buffer.byteLength(base ?? ""),
      journal: Buffer.byteLength(journal ?? ""),
    });
    if (journal) {
      // Fold what the last run journaled into the base now, while nothing else runs.
      book.rewrite = true;
      await book.flush();
    }
    return book;
  }

  get path(): string {
    return this.opts.path;
  }

  get value(): Record<string, R> {
    return this.current;
  }

  /** Changes the book in memory now; the write follows, coalesced with other updates. */
  update(mutate: (draft: Record<string, R>) => Record<string, R> | void): void {
    const changed = this.changed;
    let listed = false;
    const draft = new Proxy(this.current, {
      get(target, key, receiver) {
        if (typeof key === "string" && Object.hasOwn(target, key)) changed.add(key);
        return Reflect.get(target, key, receiver) as unknown;
      },
      set(target, key, value, receiver) {
        if (typeof key === "string") changed.add(key);
        return Reflect.set(target, key, value, receiver);
      },
      defineProperty(target, key, descriptor) {
        if (typeof key === "string") changed.add(key);
        return Reflect.defineProperty(target, key, descriptor);
      },
      deleteProperty(target, key) {
        if (typeof key === "string") changed.add(key);
        return Reflect.deleteProperty(target, key);
      },
      ownKeys(target) {
        listed = true;
        return Reflect.ownKeys(target);
      },
    });
    try {
      const next = mutate(draft);
      if (next !== undefined && next !== draft) {
        this.current = next;
        this.rewrite = true;
      }
    } finally {
      // Even a mutator that threw may have changed the draft; memory stays the truth.
      if (listed) this.rewrite = true;
      if (this.draining === undefined) {
        this.drain().catch((err: unknown) => this.opts.onWriteError?.(err));
      }
    }
  }

  /** Resolves once everything updated so far is on disk; rejects if a write fails. */
  async flush(): Promise<void> {
    while (this.pending() || this.draining !== undefined) await this.drain();
  }

  /** Flushes, brings the base file up to date and removes the journal. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.quietTimer);
    // Updates made just before closing may still be on their way into the journal: land them first.
    await this.flush();
    if (this.journalBytes > 0) {
      this.rewrite = true;
      await this.flush();
    }
    await this.journal?.close();
    this.journal = undefined;
    if (this.journalBytes === 0) await unlink(this.journalPath).catch(() => undefined);
  }

  private pending(): boolean {
    return this.rewrite || this.changed.size > 0;
  }

  private drain(): Promise<void> {
    this.draining ??= this.writeWhilePending();
    return this.draining;
  }

  private async writeWhilePending(): Promise<void> {
    try {
      // Let the rest of a synchronous burst of updates land before serializing.
      await Promise.resolve();
      while (this.pending()) {
        // Which file a failure is reported for: the journal or the base it is folded into.
        let target = this.journalPath;
        try {
          await this.writeOnce((file) => (target = file));
          this.opts.retry?.succeeded(this.journalPath);
          this.opts.retry?.succeeded(this.opts.path);
        } catch (err) {
          if (!this.opts.retry) throw err;
          await this.opts.retry.failed(target, err);
        }
      }
    } finally {
      this.draining = undefined;
    }
    this.scheduleQuietCompaction();
  }

  private async writeOnce(writing: (file: string) => void): Promise<void> {
    // Serialize first, synchronously: later updates belong to the next write.
    const keys = [...this.changed];
    const lines = keys.map((k) => JSON.stringify(lineFor(this.current, k))).join("\n");
    const journalText = keys.length > 0 ? `${lines}\n` : "";
    const minCompact = this.opts.minCompactBytes ?? 256 * 1024;
    const grown = this.journalBytes + Buffer.byteLength(journalText);
    const compact = this.rewrite || grown > Math.max(minCompact, this.baseBytes);
    const baseText = compact ? JSON.stringify(this.current, null, 2) + "\n" : "";
    this.changed.clear();
    const wasRewrite = this.rewrite;
    this.rewrite = false;
    try {
      // Before a compaction the journal must already hold the state the new base will hold.
      if (journalText && (!compact || this.journalBytes > 0)) await this.append(journalText);
      writing(this.opts.path);
      if (compact) await this.replaceBase(baseText);
    } catch (err) {
      for (const k of keys) this.changed.add(k);
      this.rewrite ||= wasRewrite || compact;
      throw err;
    }
  }

  private async append(text: string): Promise<void> {
    if (!this.journal) {
      this.journal = await open(this.journalPath, "a", PRIVATE_FILE_MODE);
      await keepPrivate(this.journal);
      await fsyncDir(dirname(this.journalPath));
    }
    const bytes = Buffer.from(text, "utf8");
    if (this.torn) {
      await this.journal.truncate(this.journalBytes);
      this.torn = false;
    }
    try {
      await this.journal.appendFile(bytes);
      await this.journal.datasync();
    } catch (err) {
      this.torn = true;
      throw err;
    }
    this.journalBytes += bytes.length;
    this.opts.onWrite?.({ path: this.journalPath, bytes: bytes.length, kind: "journal" });
  }

  private async replaceBase(text: string): Promise<void> {
    await writeFileAtomic(this.opts.path, text);
    this.baseBytes = Buffer.byteLength(text);
    this.opts.onWrite?.({ path: this.opts.path, bytes: this.baseBytes, kind: "base" });
    if (this.journalBytes > 0 && this.journal) {
      await this.journal.truncate(0);
      await this.journal.datasync();
    } else if (this.journalBytes > 0) {
      // The journal a previous run left: the new base holds all of it.
      const handle = await open(this.journalPath, "r+");
      try {
        await handle.truncate(0);
        await handle.datasync();
      } finally {
        await handle.close();
      }
    }
    this.journalBytes = 0;
  }

  /** Once the book has been quiet for a moment, the base file catches up with the journal. */
  private scheduleQuietCompaction(): void {
    clearTimeout(this.quietTimer);
    if (this.closed || this.journalBytes === 0) return;
    this.quietTimer = setTimeout(() => {
      if (this.closed || this.journalBytes === 0) return;
      this.rewrite = true;
      if (this.draining === undefined) {
        this.drain().catch((err: unknown) => this.opts.onWriteError?.(err));
      }
    }, this.opts.compactAfterQuietMs ?? 5_000);
    this.quietTimer.unref();
  }
}

function lineFor(book: Record<string, unknown>, key: string): JournalLine {
  return Object.hasOwn(book, key) ? { k: key, v: book[key] } : { k: key, d: 1 };
}

/** Applies the journal's lines to the parsed base; a torn last line (never acknowledged) is dropped. */
function replay(base: unknown, text: string, path: string): unknown {
  if (typeof base !== "object" || base === null || Array.isArray(base)) return base;
  const book = base as Record<string, unknown>;
  const lines = text.split("\n");
  lines.pop(); // "" after the last newline, or a torn line that was never acknowledged
  lines.forEach((line, index) => {
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch (err) {
      throw new StoreParseError(
        path,
        `line ${index + 1} is not JSON (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    if (typeof entry !== "object" || entry === null || !("k" in entry)) {
      throw new StoreParseError(path, `line ${index + 1} is not a journal entry`);
    }
    const { k } = entry as { k: unknown };
    if (typeof k !== "string") throw new StoreParseError(path, `line ${index + 1} has no key`);
    if ("v" in entry) book[k] = entry.v;
    else delete book[k];
  });
  return book;
}
