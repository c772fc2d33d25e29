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
  const paced = pacedSyncFetch({ gapMs: 60_000, maxHoldMs: 60_000 }, fetchFn, () => clock);
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
  const paced = pacedSyncFetch({ gapMs: 60_000, maxHoldMs: 60_000 }, fetchFn, () => clock);
  await paced(`${HS}/sync?timeout=0`);
  clock += 60_000;
  await paced(`${HS}/sync?since=s1`);
  assert.equal(started.length, 2, "the gap had passed on the clock: no pause");

  // On the real clock: the pause lasts the gap (a timer never ends early, so this bound holds on a busy machine).
  const real = recordingFetch();
  const pacedReal = pacedSyncFetch({ gapMs: 150, maxHoldMs: 150 }, real.fetchFn);
  await pacedReal(`${HS}/sync?timeout=0`);
  const answeredAt = Date.now();
  await pacedReal(`${HS}/sync?since=s1`);
  const second = (real.started[1]?.[1] ?? 0) - answeredAt;
  assert.ok(second >= 140, `the second sync waited for the gap (${second} ms)`);
});

test("stopping the client ends a pending pause with an AbortError", async () => {
  const { fetchFn, started } = recordingFetch();
  const paced = pacedSyncFetch({ gapMs: 60_000, maxHoldMs: 60_000 }, fetchFn);
  await paced(new URL(`${HS}/sync`));
  const abort = new AbortController();
  const pending = paced(`${HS}/sync?since=s1`, { signal: abort.signal });
  abort.abort();
  await assert.rejects(pending, { name: "AbortError" });
  assert.equal(started.length, 1, "the second sync was never sent");
});

/** A fetch whose room writes stay pending until released; everything else answers at once. */
function holdingFetch() {
  const started: string[] = [];
  const pending: (() => void)[] = [];
  const fetchFn = ((input: string | URL | Request, init?: RequestInit) => {
    const path = new URL(String(input)).pathname;
    started.push(`${init?.method ?? "GET"} ${path.split("/").pop() ?? ""}`);
    if (path.endsWith("/sync")) return Promise.resolve(new Response("{}"));
    return new Promise<Response>((resolve) => pending.push(() => resolve(new Response("{}"))));
  }) as typeof globalThis.fetch;
  return { fetchFn, started, releaseAll: () => pending.splice(0).forEach((release) => release()) };
}

/** Lets every promise callback already due run (no timer involved). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

test("a /sync waits while the bot's own room writes are in flight, so their events come as one answer", async () => {
  const { fetchFn, started, releaseAll } = holdingFetch();
  const clock = 1_000;
  const paced = pacedSyncFetch({ gapMs: 0, maxHoldMs: 60_000 }, fetchFn, () => clock);
  await paced(`${HS}/sync?timeout=0`);
  const creating = paced(`${HS}/createRoom`, { method: "POST" });
  const reading = paced(`${HS}/rooms/!r/state/m.room.member/%40a`, { method: "GET" });
  const next = paced(`${HS}/sync?since=s1`);
  await settle();
  assert.deepEqual(
    started,
    ["GET sync", "POST createRoom", "GET %40a"],
    "no /sync while createRoom runs",
  );
  releaseAll();
  await Promise.all([creating, reading, next]);
  assert.deepEqual(started.at(-1), "GET sync", "the /sync went once the write was done");
});

test("a write that never ends holds the next /sync no longer than the hold", async () => {
  const { fetchFn, started } = holdingFetch();
  let clock = 1_000;
  const paced = pacedSyncFetch({ gapMs: 0, maxHoldMs: 400 }, fetchFn, () => clock);
  await paced(`${HS}/sync?timeout=0`);
  void paced(`${HS}/rooms/!r/send/m.room.message/t1`, { method: "PUT" });
  clock += 400;
  await paced(`${HS}/sync?since=s1`);
  assert.deepEqual(started, ["GET sync", "PUT t1", "GET sync"], "the hold was over on the clock");
});
