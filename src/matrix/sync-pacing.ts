/**
 * Spaces the bot's /sync requests: the next one starts at least `gapMs` after the previous one was
 * answered. The homeserver answers a long-poll as soon as one event arrives, so the events of one
 * knock (the knock, the room's creation in several steps, the challenge, the newcomer's join) came
 * as about six /sync answers, each paying the SDK's and the engine's per-answer work; a short gap
 * lets them arrive as fewer.
 *
 * It also waits while the bot's own writes to rooms (createRoom, send, invite, kick…) are in flight
 * and for `gapMs` after the last one ends, up to `maxHoldMs` after the previous answer: each of them
 * would otherwise wake the long-poll with the bot's own events, one answer each (the room's
 * creation, then the challenge sent right after it). Waiting lets them, and the newcomer's join
 * that follows the invite, arrive as one answer. A knock arriving meanwhile is noticed at most
 * `maxHoldMs` after the previous answer. Nothing the bot sends waits for a sync, so only its
 * noticing of new events moves.
 */
import { setTimeout as sleep } from "node:timers/promises";

export interface SyncPacing {
  /** Least time between an answer and the next /sync request, and after the bot's last room write. */
  readonly gapMs: number;
  /** Most time between an answer and the next /sync request while the bot's room writes go on (≥ gapMs). */
  readonly maxHoldMs: number;
}

export function pacedSyncFetch(
  pacing: SyncPacing,
  fetchFn: typeof globalThis.fetch = globalThis.fetch,
  now: () => number = Date.now,
): typeof globalThis.fetch {
  const { gapMs, maxHoldMs } = pacing;
  let answeredAt = Number.NEGATIVE_INFINITY;
  let writesInFlight = 0;
  let lastWriteEndedAt = Number.NEGATIVE_INFINITY;
  /** Resolves when the writes in flight are all done. */
  let writesDone: { promise: Promise<void>; resolve: () => void } | undefined;

  const writeToRoom = async (input: string | URL | Request, init?: RequestInit) => {
    writesInFlight++;
    try {
      return await fetchFn(input, init);
    } finally {
      writesInFlight--;
      lastWriteEndedAt = now();
      if (writesInFlight === 0) {
        writesDone?.resolve();
        writesDone = undefined;
      }
    }
  };

  /** Until the gap after the last answer and the last room write, no later than the hold's end. */
  const pause = async (signal: AbortSignal | undefined) => {
    const holdEndsAt = answeredAt + maxHoldMs;
    for (;;) {
      const left = holdEndsAt - now();
      if (writesInFlight > 0 && left > 0) {
        writesDone ??= settleable();
        if (!(await doneWithin(writesDone.promise, left, signal))) return;
        continue;
      }
      const wait = Math.min(Math.max(answeredAt, lastWriteEndedAt) + gapMs, holdEndsAt) - now();
      if (wait <= 0) return;
      // stopClient aborts the request: the pause ends with the same AbortError the fetch would give.
      await sleep(wait, undefined, signal ? { signal } : undefined);
      // Then again: a write may have started (or ended) meanwhile.
    }
  };

  return async (input, init) => {
    if (!isSyncRequest(input)) {
      return isRoomWrite(input, init) ? writeToRoom(input, init) : fetchFn(input, init);
    }
    await pause(init?.signal ?? undefined);
    try {
      return await fetchFn(input, init);
    } finally {
      answeredAt = now();
    }
  };
}

function settleable(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}

/** Whether `done` settled within `ms` (false: the time ran out first). */
async function doneWithin(
  done: Promise<void>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const timer = new AbortController();
  const timeout = sleep(ms, false, {
    signal: signal ? AbortSignal.any([signal, timer.signal]) : timer.signal,
  });
  try {
    // Rejects only when `signal` aborts: our own timer is cancelled after the race.
    return await Promise.race([done.then(() => true), timeout]);
  } finally {
    timer.abort();
    timeout.catch(() => undefined);
  }
}

function urlOf(input: string | URL | Request): URL | null {
  return URL.parse(
    typeof input === "string" ? input : input instanceof URL ? input.href : input.url,
  );
}

/** A request to /sync (the long-poll), whatever the API version in its path. */
export function isSyncRequest(input: string | URL | Request): boolean {
  return urlOf(input)?.pathname.endsWith("/sync") ?? false;
}

/** A request that puts an event in a room: createRoom, or a write under /rooms/ or /join/. */
function isRoomWrite(input: string | URL | Request, init: RequestInit | undefined): boolean {
  const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
  if (method === "GET") return false;
  const path = urlOf(input)?.pathname ?? "";
  return path.endsWith("/createRoom") || path.includes("/rooms/") || path.includes("/join/");
}
