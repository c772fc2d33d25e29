import { basename } from "node:path";

/**
 * Writes to the data dir that fail (disk full, I/O error, read-only file system) are
 * retried with back-off instead of failing the decision that waits on them: the engine
 * then simply waits until its decision is durable, and acts only after. While a write is
 * failing, health, metrics and the console say which file and why.
 */

export interface WriteFault {
  /** The file that could not be written. */
  readonly path: string;
  /** The error code (ENOSPC, EIO, EROFS, …) or "unknown". */
  readonly code: string;
  readonly message: string;
  /** When it first failed (ms since the epoch). */
  readonly since: number;
  readonly attempts: number;
}

export interface WriteFaultEvents {
  /** A write failed and is retried in `retryInMs`. */
  failed?(fault: WriteFault, retryInMs: number): void;
  /** A file that was failing was written again. */
  recovered?(path: string, fault: WriteFault): void;
}

export interface WriteRetryTiming {
  readonly firstMs: number;
  readonly maxMs: number;
}

const DEFAULT_TIMING: WriteRetryTiming = { firstMs: 250, maxMs: 5_000 };

/** What a store needs to retry its writes: say a write failed (and wait), say it succeeded. */
export type WriteRetry = Pick<WriteFaults, "failed" | "succeeded">;

export class WriteFaults {
  private readonly failing = new Map<string, WriteFault>();
  private readonly waits = new Set<{ timer: NodeJS.Timeout; giveUp: () => void }>();
  private stopping = false;
  /** Every failed write since the start (the metrics counter). */
  failures = 0;

  constructor(
    private readonly events: WriteFaultEvents = {},
    private readonly timing: WriteRetryTiming = DEFAULT_TIMING,
  ) {}

  /** The files failing now, oldest fault first. */
  get current(): readonly WriteFault[] {
    return [...this.failing.values()];
  }

  /**
   * One sentence for health: what cannot be written and why; undefined when all is well.
   * File names only, no paths: the public /healthz says it too.
   */
  get reason(): string | undefined {
    const [first, ...rest] = this.current;
    if (!first) return undefined;
    const more =
      rest.length > 0 ? ` (and ${rest.length} more file${rest.length > 1 ? "s" : ""})` : "";
    // Node's message is "ENOSPC: no space left on device, open '/data/…'": the part before the path.
    const why = first.message.split(", ")[0];
    return `cannot write ${basename(first.path)}${more}: ${why}; retrying, free space or fix the disk`;
  }

  /**
   * Records a failed write of `path` and resolves when it is time to try again. Rejects
   * with the error at once when the process is stopping: nothing waits for a disk then.
   */
  async failed(path: string, error: unknown): Promise<void> {
    const fault = this.record(path, error);
    if (this.stopping) throw error;
    const { firstMs, maxMs } = this.timing;
    const wait = Math.min(maxMs, firstMs * 2 ** Math.min(fault.attempts - 1, 16));
    this.events.failed?.(fault, wait);
    await new Promise<void>((resolve, reject) => {
      const entry = {
        timer: setTimeout(() => {
          this.waits.delete(entry);
          resolve();
        }, wait),
        giveUp: () => {
          clearTimeout(entry.timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      };
      this.waits.add(entry);
    });
  }

  /**
   * Records a failed write of `path` that its store retries on its own schedule (the sync
   * snapshot: its next save is the retry, and the sync loop must not wait on the disk).
   */
  noted(path: string, error: unknown, retryInMs: number): void {
    const fault = this.record(path, error);
    this.events.failed?.(fault, retryInMs);
  }

  /** `path` was written: it is no longer failing. */
  succeeded(path: string): void {
    const fault = this.failing.get(path);
    if (!fault) return;
    this.failing.delete(path);
    this.events.recovered?.(path, fault);
  }

  private record(path: string, error: unknown): WriteFault {
    this.failures++;
    const previous = this.failing.get(path);
    const fault: WriteFault = {
      path,
      code: codeOf(error),
      message: error instanceof Error ? error.message : String(error),
      since: previous?.since ?? Date.now(),
      attempts: (previous?.attempts ?? 0) + 1,
    };
    this.failing.set(path, fault);
    return fault;
  }

  /** The process is stopping: writes still failing give up now, and later failures at once. */
  stop(): void {
    this.stopping = true;
    for (const wait of this.waits) wait.giveUp();
    this.waits.clear();
  }
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "unknown";
}
