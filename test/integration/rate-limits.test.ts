import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { Newcomer } from "../harness/newcomer-flow.js";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;

before(async () => {
  hs = await startHomeserver({ rateLimited: true });
  community = await createCommunity(hs, { children: 1 });
  daemon = await TestDaemon.start(hs, community, {
    env: { INITIAL_CODES: JSON.stringify({ TIGHT: { uses_remaining: 10, label: "" } }) },
  });
});

after(async () => {
  await daemon?.stop();
  await hs?.stop();
});

test("on a homeserver that rate-limits, every knock still gets its challenge, after backing off as told", async () => {
  const newcomers = await Promise.all(
    Array.from({ length: 6 }, (_, i) => Newcomer.register(hs, community, `Slow ${i}`)),
  );
  await Promise.all(newcomers.map((n) => n.knock("TIGHT")));
  const challenges = await Promise.all(newcomers.map((n) => n.readChallenge(90_000)));
  assert.equal(new Set(challenges.map((c) => c.roomId)).size, newcomers.length);
  const retries = daemon.logs.filter((l) => l.msg === "homeserver call failed; will retry");
  assert.ok(retries.length > 0, "the homeserver did rate-limit the bot");
  for (const retry of retries) {
    assert.ok(Number(retry.retryInMs) > 0, "each retry waits");
  }
});
