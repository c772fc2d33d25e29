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

test("the first /sync goes at once; other requests never wait behind a pausing /sync", async () => {
  const { fetchFn, started } = recordingFetch();
  const clock = 1_000;
  const paced = pacedSyncFetch(60_000, fetchFn, () => clock);
  await paced(`${HS}/sync?timeout=0`);
  const abort = new AbortController();
  const pausing = paced(`${HS}/sync?since=s1`, { signal: abort.signal });
  await paced(`${HS}/createRoom`, { method: "POST" });
  assert.deepEqual(
    started.map(([url]) => new URL(url).pathname.split("/").pop()),
    ["sync", "createRoom"],
    "createRoom went while the second /sync still paused",
  );
  abort.abort();
  await assert.rejects(pausing, { name: "AbortError" });
});

test("a /sync request waits until the gap after the previous answer, and no longer once it has passed", async () => {
  const { fetchFn, started } = recordingFetch();
  let clock = 1_000;
  const paced = pacedSyncFetch(60_000, fetchFn, () => clock);
  await paced(`${HS}/sync?timeout=0`);
  clock += 60_000;
  await paced(`${HS}/sync?since=s1`);
  assert.equal(started.length, 2, "the gap had passed on the clock: no pause");

  // On the real clock: the pause lasts the gap (a timer never ends early, so this bound holds on a busy machine).
  const real = recordingFetch();
  const pacedReal = pacedSyncFetch(150, real.fetchFn);
  await pacedReal(`${HS}/sync?timeout=0`);
  const answeredAt = Date.now();
  await pacedReal(`${HS}/sync?since=s1`);
  const second = (real.started[1]?.[1] ?? 0) - answeredAt;
  assert.ok(second >= 140, `the second sync waited for the gap (${second} ms)`);
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
