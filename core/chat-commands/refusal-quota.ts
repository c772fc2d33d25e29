/**
 * How many `admin_refused` records one sender may cause: at most `limit` an
 * hour are written, the rest only counted, so a member typing `!` commands
 * cannot grow the audit log at will. The count of what was not written rides
 * on the sender's next written record (`not_recorded`).
 */
export const REFUSALS_RECORDED_PER_HOUR = 20;
const WINDOW_MS = 3_600_000;
/** Beyond this many senders tracked, finished windows are dropped (with their counts). */
const MAX_TRACKED = 1000;

interface SenderWindow {
  startMs: number;
  written: number;
  notWritten: number;
}

export type RefusalVerdict =
  /** Write the record; `notRecorded`: refusals left out in this sender's previous hour. */
  | { readonly record: true; readonly notRecorded: number }
  /** Only counted; `first`: the first one left out this hour (worth one log line). */
  | { readonly record: false; readonly first: boolean };

export class RefusalQuota {
  private readonly windows = new Map<string, SenderWindow>();

  constructor(private readonly limit = REFUSALS_RECORDED_PER_HOUR) {}

  admit(sender: string, nowMs: number): RefusalVerdict {
    let window = this.windows.get(sender);
    let carried = 0;
    if (!window || nowMs - window.startMs >= WINDOW_MS) {
      carried = window?.notWritten ?? 0;
      if (!window) this.pruneFinished(nowMs);
      window = { startMs: nowMs, written: 0, notWritten: 0 };
      this.windows.set(sender, window);
    }
    if (window.written < this.limit) {
      window.written++;
      return { record: true, notRecorded: carried };
    }
    window.notWritten++;
    return { record: false, first: window.notWritten === 1 };
  }

  private pruneFinished(nowMs: number): void {
    if (this.windows.size < MAX_TRACKED) return;
    for (const [sender, window] of this.windows)
      if (nowMs - window.startMs >= WINDOW_MS) this.windows.delete(sender);
  }
}
