/**
 * A homeserver that answers 500 to a third of the daemon's requests for a minute during a burst
 * of knocks (a fault-injecting proxy in front of the real Synapse): once it is well again every
 * knock completes, none charged twice, one vetting room each. Prints its fault figures.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { FaultProxy } from "../harness/fault-proxy.js";
import { Newcomer } from "../harness/newcomer-flow.js";
import { waitFor } from "../harness/wait.js";

/** How long every third request fails: the scenario, a minute. */
const FAILING_MS = 60_000;

let hs: TestHomeserver;

before(async () => {
  hs = await startHomeserver();
});

after(async () => {
  await hs?.stop();
});

/** Rooms other than the space and its children that the newcomer was invited to. */
function vettingInvites(newcomer: Newcomer, space: TestCommunity): string[] {
  const communityRooms = new Set([space.spaceId, ...space.childIds]);
  return [...newcomer.client.seenInvites().keys()].filter((id) => !communityRooms.has(id));
}

test("a homeserver answering 500 to every third request for a minute during a burst of knocks: every knock completes once, one vetting room each", async () => {
  const knocks = 20;
  const uses = knocks + 5;
  const space = await createCommunity(hs, { children: 1 });
  const proxy = await FaultProxy.start(hs.url);
  const daemon = await TestDaemon.start(hs, space, {
    env: {
      HS: proxy.url,
      JOIN_WAVE_PER_MIN: "0",
      INITIAL_CODES: JSON.stringify({ FLAKY: { uses_remaining: uses, label: "flaky" } }),
    },
  });
  try {
    const newcomers = await Promise.all(
      Array.from({ length: knocks }, (_, i) => Newcomer.register(hs, space, `Flaky ${i}`)),
    );
    proxy.failFor(FAILING_MS);
    await Promise.all(newcomers.map((n) => n.knock("FLAKY")));
    await waitFor(() => !proxy.failing, {
      what: "the minute of failures to end",
      timeoutMs: FAILING_MS + 10_000,
      intervalMs: 500,
    });
    const injected = proxy.injected;
    for (const newcomer of newcomers) await newcomer.readChallenge(90_000);
    await daemon.waitReady(60_000);
    await Promise.all(newcomers.map((n) => n.client.sync(1000)));

    const rooms = newcomers.map((n) => vettingInvites(n, space).length);
    const lost = rooms.filter((n) => n === 0).length;
    const duplicateRooms = rooms.reduce((sum, n) => sum + Math.max(0, n - 1), 0);
    const codes = JSON.parse(await readFile(join(daemon.dataDir, "codes.json"), "utf8")) as {
      FLAKY: { uses_remaining: number };
    };
    const charged = uses - codes.FLAKY.uses_remaining;
    console.log(
      `500 to every third request for ${FAILING_MS / 1000} s during ${knocks} knocks ` +
        `(${injected} requests answered 500, ${proxy.forwarded} forwarded): ${lost} knocks lost, ` +
        `${charged - knocks} codes charged twice, ${duplicateRooms} duplicate rooms`,
    );
    assert.ok(injected >= 10, "the homeserver really failed requests during the burst");
    assert.equal(lost, 0, "no knock lost");
    assert.equal(duplicateRooms, 0, "one vetting room per knock");
    assert.equal(charged, knocks, "each knock charged exactly once");
    assert.equal(await daemon.stop(), 0, "a clean stop");
  } finally {
    await daemon.kill9();
    await proxy.stop();
  }
});
