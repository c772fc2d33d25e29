// Polls a condition with a deadline. Tests wait for outcomes with this, never with a blind sleep.

import { errorMessage, sleep } from "../../src/devserver/wait.js";

export { errorMessage, sleep };

export interface WaitForOptions {
  /** Give up after this long (default 20 s). */
  timeoutMs?: number;
  /** Pause between polls (default 50 ms). */
  intervalMs?: number;
  /** What is being waited for, for the timeout message ("the bot to invite @a:localhost"). */
  what: string;
  /** Treat a throwing `fn` as "not yet" (the last error is reported on timeout). Default false: rethrow. */
  ignoreErrors?: boolean;
  /** What the test saw, for the timeout message ("the screen shows: …"). */
  seen?: () => string;
}

/**
 * Calls `fn` until it returns something other than `undefined`, `null` or `false`, and returns that.
 * Throws `timed out waiting for <what>` after `timeoutMs`.
 */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: WaitForOptions,
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      if (!opts.ignoreErrors) throw err;
      lastError = err;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const detail = lastError === undefined ? "" : ` (last error: ${errorMessage(lastError)})`;
      const seen = opts.seen ? `; ${opts.seen()}` : "";
      throw new Error(`timed out waiting for ${opts.what} after ${timeoutMs} ms${detail}${seen}`);
    }
    await sleep(Math.min(intervalMs, left));
  }
}
