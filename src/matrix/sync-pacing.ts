/**
 * Spaces the bot's /sync requests: the next one starts at least `gapMs` after the previous one was
 * answered. The homeserver answers a long-poll as soon as one event arrives, so the events of one
 * knock (the knock, the room's creation in several steps, the challenge, the newcomer's join) came
 * as about six /sync answers, each paying the SDK's and the engine's per-answer work; a short gap
 * lets them arrive as two or three. Nothing the bot sends waits for a sync, so only its noticing of
 * new events moves, by at most `gapMs`.
 */
import { setTimeout as sleep } from "node:timers/promises";

export function pacedSyncFetch(
  gapMs: number,
  fetchFn: typeof globalThis.fetch = globalThis.fetch,
  now: () => number = Date.now,
): typeof globalThis.fetch {
  let answeredAt = Number.NEGATIVE_INFINITY;
  return async (input, init) => {
    if (!isSyncRequest(input)) return fetchFn(input, init);
    const wait = answeredAt + gapMs - now();
    // stopClient aborts the request: the pause ends with the same AbortError the fetch would give.
    if (wait > 0) await sleep(wait, undefined, init?.signal ? { signal: init.signal } : undefined);
    try {
      return await fetchFn(input, init);
    } finally {
      answeredAt = now();
    }
  };
}

function isSyncRequest(input: string | URL | Request): boolean {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  return URL.parse(url)?.pathname.endsWith("/sync") ?? false;
}
