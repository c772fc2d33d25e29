/**
 * The daemon's recent log lines, kept in memory for the admin API's
 * `/admin/v1/log` (the console's Daemon log view, attached): a ring of the
 * newest lines, bounded both by count and by bytes, whichever is reached
 * first. It is a pino destination (`write(text)`), so what reaches it has
 * already been through the logger's redaction, exactly as stdout's lines have.
 */
import { randomUUID } from "node:crypto";

export const RECENT_LOG_MAX_LINES = 2_000;
export const RECENT_LOG_MAX_BYTES = 1024 * 1024;
/** One runaway line must not take the whole ring: longer lines are cut. */
export const RECENT_LOG_MAX_LINE_CHARS = 16 * 1024;

export interface RecentLogLine {
  /** Counts from 1 at every start of the process. */
  readonly seq: number;
  readonly text: string;
}

export interface RecentLogBounds {
  readonly maxLines?: number;
  readonly maxBytes?: number;
}

export class RecentLog {
  /** Tells one run of the daemon from the next: sequence numbers restart with it. */
  readonly runId = randomUUID();
  private readonly maxLines: number;
  private readonly maxBytes: number;
  private readonly ring: (RecentLogLine | undefined)[];
  /** Index in `ring` of the oldest line kept. */
  private start = 0;
  private count = 0;
  private bytes = 0;
  private seq = 0;
  private partial = "";
  private readonly listeners = new Set<(line: RecentLogLine) => void>();

  constructor(bounds: RecentLogBounds = {}) {
    this.maxLines = Math.max(1, bounds.maxLines ?? RECENT_LOG_MAX_LINES);
    this.maxBytes = Math.max(1, bounds.maxBytes ?? RECENT_LOG_MAX_BYTES);
    this.ring = new Array<RecentLogLine | undefined>(this.maxLines);
  }

  /** pino's destination interface: one or more whole lines, or a piece of one. */
  write(chunk: string): boolean {
    const pieces = (this.partial + chunk).split("\n");
    this.partial = cut(pieces.pop() ?? "");
    for (const piece of pieces) if (piece.trim() !== "") this.keep(cut(piece));
    return true;
  }

  /** The lines kept, oldest first; with `after`, only those with a greater `seq`. */
  lines(after = 0): RecentLogLine[] {
    const out: RecentLogLine[] = [];
    for (let i = 0; i < this.count; i++) {
      const line = this.ring[(this.start + i) % this.maxLines];
      if (line && line.seq > after) out.push(line);
    }
    return out;
  }

  /** Every line written from now on. Returns the unsubscribe. */
  subscribe(listener: (line: RecentLogLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private keep(text: string): void {
    const line: RecentLogLine = { seq: ++this.seq, text };
    const size = Buffer.byteLength(text, "utf8");
    while (this.count > 0 && (this.count >= this.maxLines || this.bytes + size > this.maxBytes)) {
      this.dropOldest();
    }
    this.ring[(this.start + this.count) % this.maxLines] = line;
    this.count++;
    this.bytes += size;
    for (const listener of [...this.listeners]) {
      try {
        listener(line);
      } catch {
        // A listener that throws must not break logging (and must not log: it would loop).
      }
    }
  }

  private dropOldest(): void {
    const oldest = this.ring[this.start];
    if (oldest) this.bytes -= Buffer.byteLength(oldest.text, "utf8");
    this.ring[this.start] = undefined;
    this.start = (this.start + 1) % this.maxLines;
    this.count--;
  }
}

/** Cuts a line to RECENT_LOG_MAX_LINE_CHARS. */
function cut(text: string): string {
  return text.length > RECENT_LOG_MAX_LINE_CHARS ? text.slice(0, RECENT_LOG_MAX_LINE_CHARS) : text;
}
