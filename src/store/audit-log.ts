import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { keepPrivate, PRIVATE_FILE_MODE, readFileIfExists } from "./atomic-file.js";
import type { WriteRetry } from "./write-faults.js";

export interface AuditRecord {
  /** Unix seconds; fractions allowed. */
  ts: number;
  type: string;
  [k: string]: unknown;
}

export interface AuditReadOptions {
  /** Only records with `ts >= sinceTs`. */
  sinceTs?: number;
  types?: string[];
  /** The newest `limit` matches are returned, oldest first. */
  limit?: number;
  /** Only records where some string value, at any depth, equals this user ID. */
  user?: string;
}

export interface AuditScan {
  records: AuditRecord[];
  /** Lines that were not a JSON object with a numeric `ts` and a string `type`. */
  malformed: number;
}

const SECRET_KEYS = new Set([
  "access_token",
  "accesstoken",
  "password",
  "token",
  "registration_token",
  "registrationtoken",
  "secret",
]);

export const REDACTED = "[redacted]";

export interface AuditLogOptions {
  /** Called after each write with how many records it carried (tests check coalescing). */
  onWrite?: (records: number) => void;
  /**
   * Failed writes are retried with its back-off, the records kept queued, until they are on
   * disk; without it a failed write rejects its records' appends.
   */
  retry?: WriteRetry;
}

interface PendingLine {
  line: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class AuditLog {
  private pending: PendingLine[] = [];
  private draining: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  /** A write failed part-way: cut the file back to `goodBytes` before the next one. */
  private torn = false;

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
    /** The file does not end in a newline (a crash mid-write); start the next write on a fresh line. */
    private needsLineBreak: boolean,
    /** Bytes of the file that hold whole records: what a failed write is cut back to. */
    private goodBytes: number,
    private readonly opts: AuditLogOptions,
  ) {}

  static async open(path: string, opts: AuditLogOptions = {}): Promise<AuditLog> {
    // "a+" appends every write and still lets us peek at the last byte.
    const file = await open(path, "a+", PRIVATE_FILE_MODE);
    try {
      await keepPrivate(file);
      const { size } = await file.stat();
      return new AuditLog(path, file, await endsWithoutNewline(file, size), size, opts);
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  /** Resolves once the record is on disk. Secrets are redacted before anything is written. */
  append(record: AuditRecord): Promise<void> {
    if (this.closing !== undefined)
      return Promise.reject(new Error(`audit log ${this.path} is closed`));
    let line: string;
    try {
      line = encodeRecord(record);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ line, resolve, reject });
      this.draining ??= this.writeWhilePending();
    });
  }

  async read(opts: AuditReadOptions = {}): Promise<AuditRecord[]> {
    return (await this.scan(opts)).records;
  }

  /** Like `read`, and also says how many malformed lines were skipped. */
  async scan(opts: AuditReadOptions = {}): Promise<AuditScan> {
    const text = (await readFileIfExists(this.path)) ?? "";
    const records: AuditRecord[] = [];
    let malformed = 0;
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      const record = decodeRecord(line);
      if (record === undefined) malformed++;
      else if (matches(record, opts)) records.push(record);
    }
    const { limit } = opts;
    if (limit === undefined) return { records, malformed };
    return { records: limit > 0 ? records.slice(-limit) : [], malformed };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.draining;
      await this.file.close();
    })();
    return this.closing;
  }

  private async writeWhilePending(): Promise<void> {
    try {
      // Let the rest of a synchronous burst of appends join this write.
      await Promise.resolve();
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0);
        try {
          await this.writeBatch(batch);
          this.opts.retry?.succeeded(this.path);
        } catch (err) {
          if (!this.opts.retry) {
            for (const p of batch) p.reject(err);
            continue;
          }
          // The records wait, in order, ahead of any appended meanwhile.
          this.pending.unshift(...batch);
          try {
            await this.opts.retry.failed(this.path, err);
          } catch (gaveUp) {
            for (const p of this.pending.splice(0)) p.reject(gaveUp);
          }
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async writeBatch(batch: PendingLine[]): Promise<void> {
    if (this.torn) {
      await this.file.truncate(this.goodBytes);
      this.torn = false;
    }
    const data = Buffer.from((this.needsLineBreak ? "\n" : "") + batch.map((p) => p.line).join(""));
    try {
      await writeAll(this.file, data);
      await this.file.datasync();
    } catch (err) {
      // Part of the batch may be on disk: it is cut off before the next write, never left torn.
      this.torn = true;
      throw err;
    }
    this.goodBytes += data.length;
    this.needsLineBreak = false;
    for (const p of batch) p.resolve();
    this.opts.onWrite?.(batch.length);
  }
}

/** One record, one line: JSON.stringify escapes newlines; U+2028/9 are escaped too for line splitters that honour them. */
export function encodeRecord(record: AuditRecord): string {
  const json = JSON.stringify(record, (key, value: unknown) =>
    SECRET_KEYS.has(key.toLowerCase()) ? REDACTED : value,
  );
  return json.replaceAll("\u2028", "\\u2028").replaceAll("\u2029", "\\u2029") + "\n";
}

function decodeRecord(line: string): AuditRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  if (!("ts" in raw) || typeof raw.ts !== "number" || !Number.isFinite(raw.ts)) return undefined;
  if (!("type" in raw) || typeof raw.type !== "string") return undefined;
  return raw as AuditRecord;
}

function matches(record: AuditRecord, opts: AuditReadOptions): boolean {
  if (opts.sinceTs !== undefined && record.ts < opts.sinceTs) return false;
  if (opts.types !== undefined && !opts.types.includes(record.type)) return false;
  if (opts.user !== undefined && !mentions(record, opts.user)) return false;
  return true;
}

function mentions(value: unknown, user: string): boolean {
  if (typeof value === "string") return value === user;
  if (Array.isArray(value)) return value.some((v) => mentions(v, user));
  if (typeof value === "object" && value !== null) {
    return Object.values(value).some((v) => mentions(v, user));
  }
  return false;
}

async function writeAll(file: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await file.write(data, offset);
    offset += bytesWritten;
  }
}

async function endsWithoutNewline(file: FileHandle, size: number): Promise<boolean> {
  if (size === 0) return false;
  const last = Buffer.alloc(1);
  const { bytesRead } = await file.read(last, 0, 1, size - 1);
  return bytesRead === 1 && last[0] !== 0x0a;
}
