/**
 * A per-key fixed-window counter (the per-code limits of the join routes and
 * of signup).
 * @fastify/rate-limit runs one limit per request, and the per-address limit
 * is that one; this is the second. Memory is bounded: windows that ended are
 * dropped, and past `maxKeys` live keys the oldest window goes first.
 */
export class WindowLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  /** Counts one request for `key`: allowed, or the seconds until the window ends. */
  hit(key: string): { ok: true } | { ok: false; retryAfterSec: number } {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.start >= this.windowMs) {
      this.windows.delete(key);
      this.makeRoom(now);
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count >= this.max) {
      return {
        ok: false,
        retryAfterSec: Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000)),
      };
    }
    window.count++;
    return { ok: true };
  }

  /**
   * Takes back one counted hit for `key` that turned out not to count (a use
   * given back). After its window ended this may free a place in the next
   * window instead: it errs towards allowing.
   */
  release(key: string): void {
    const window = this.windows.get(key);
    if (window && window.count > 0) window.count--;
  }

  private makeRoom(now: number): void {
    if (this.windows.size < this.maxKeys) return;
    // Insertion order is start order: the first entries are the oldest windows.
    for (const [key, window] of this.windows) {
      if (this.windows.size < this.maxKeys && now - window.start < this.windowMs) return;
      this.windows.delete(key);
    }
  }
}
