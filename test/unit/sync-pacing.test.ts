import assert from "node:assert/strict";
import { test } from "node:test";
import { pacedSyncFetch } from "../../src/matrix/sync-pacing.js";

const HS = "http://hs.test/_matrix/client/v3";

/** A fetch that answers at once and notes when each request started. */
function recordingFetch(): { fetchFn: typeof globalThis.fetch; started: [string, number][] } {
  const started: [string, number][] = [];
  const fetchFn = ((input: string | URL | Request) => {
    started.push([String(input), Date.now()]);
    return Promise.resolve(new Response("{}"));
  }) as typeof globalThis.fetch;
  return { fetchFn, started };
}

test("a /sync request waits until the gap after the previous answer; other requests never wait", async () => {
  const { fetchFn, started } = recordingFetch();
  const paced = pacedSyncFetch(150, fetchFn);
  const t0 = Date.now();
  await paced(`${HS}/sync?timeout=0`);
  await paced(`${HS}/createRoom`, { method: "POST" });
  await paced(`${HS}/sync?since=s1`);
  const [first, create, second] = started.map(([, at]) => at - t0);
  assert.ok((first ?? Infinity) < 100, "the first sync goes at once");
  assert.ok((create ?? Infinity) < 100, "createRoom is not held back");
  assert.ok((second ?? 0) >= 140, `the second sync waited for the gap (${second} ms)`);
});

test("stopping the client ends a pending pause with an AbortError", async () => {
  const { fetchFn, started } = recordingFetch();
  const paced = pacedSyncFetch(60_000, fetchFn);
  await paced(new URL(`${HS}/sync`));
  const abort = new AbortController();
  const pending = paced(`${HS}/sync?since=s1`, { signal: abort.signal });
  abort.abort();
  await assert.rejects(pending, { name: "AbortError" });
  assert.equal(started.length, 1, "the second sync was never sent");
});
