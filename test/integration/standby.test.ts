/**
 * High availability on a shared data dir: an active daemon "on another host"
 * (its own UTS namespace, so its own host name) and a standby on this one. The
 * standby cannot check a foreign pid, so only the lock's heartbeat tells it
 * the active one died.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, test } from "node:test";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { Newcomer, haikuWith } from "../harness/newcomer-flow.js";
import { waitFor } from "../harness/wait.js";
import { LOCK_TIMING } from "../../src/store/data-dir-lock.js";

const OTHER_HOST = "anteroom-active";
/** Runs the daemon with a host name of its own (needs root, as the test homeserver does). */
const ON_OTHER_HOST = ["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', OTHER_HOST];
const STANDBY = ["--import", "tsx", "src/entry/cli.ts", "--daemon", "--standby"];

let hs: TestHomeserver;
let community: TestCommunity;
const daemons: TestDaemon[] = [];

before(async () => {
  execFileSync("unshare", ["--uts", "true"]); // fails clearly here when namespaces are not allowed
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 1 });
});

after(async () => {
  for (const daemon of daemons) await daemon.stop();
  await hs?.stop();
});

async function healthy(daemon: TestDaemon): Promise<boolean> {
  const response = await fetch(`${daemon.url}/healthz`).catch(() => undefined);
  return response?.status === 200;
}

test("a standby on the same data dir takes over from a kill -9'd active on another host, and vetting goes on", async (t) => {
  const active = await TestDaemon.start(hs, community, {
    wrapper: ON_OTHER_HOST,
    env: { INITIAL_CODES: JSON.stringify({ HA: { uses_remaining: 5, label: "ha" } }) },
  });
  daemons.push(active);
  const early = await Newcomer.register(hs, community, "Early");
  await early.knock("HA");
  const challenge = await early.readChallenge();

  const standby = await TestDaemon.start(hs, community, {
    dataDir: active.dataDir,
    nodeArgs: STANDBY,
    waitReady: false,
  });
  daemons.push(standby);
  const standingBy = await waitFor(
    () => standby.logs.find((line) => /^standing by/.test(String(line.msg))),
    { what: "the standby to say it stands by", timeoutMs: 30_000 },
  );
  assert.equal(standingBy.host, OTHER_HOST);
  assert.equal(typeof standingBy.lastHeartbeat, "string");

  // Longer than the stale window: the active one's heartbeat alone keeps the standby waiting.
  const watchUntil = Date.now() + LOCK_TIMING.staleMs + 2 * LOCK_TIMING.heartbeatMs;
  while (Date.now() < watchUntil) {
    assert.equal(standby.logged(/^took the data-dir lock/), false, "the standby stays put");
    assert.equal(await healthy(standby), false, "the standby is not ready");
    assert.equal(await healthy(active), true);
    await new Promise((done) => setTimeout(done, 1_000));
  }

  await active.kill9();
  const killedAt = performance.now();
  await waitFor(() => standby.logged(/^took the data-dir lock/), {
    what: "the standby to take the lock",
    timeoutMs: LOCK_TIMING.staleMs + 60_000,
    intervalMs: 100,
  });
  const tookLockMs = performance.now() - killedAt;
  await standby.waitReady(60_000);
  const readyMs = performance.now() - killedAt;
  t.diagnostic(
    `takeover after SIGKILL: lock taken in ${(tookLockMs / 1000).toFixed(1)} s, /healthz 200 in ${(readyMs / 1000).toFixed(1)} s (heartbeat ${LOCK_TIMING.heartbeatMs / 1000} s, stale after ${LOCK_TIMING.staleMs / 1000} s)`,
  );

  // The vetting the active one opened goes on under the standby...
  await early.reply(challenge, haikuWith(challenge.keyword));
  await early.botSays(challenge, /^passed!/, 30_000);
  await early.client.waitForInvite(community.spaceId, 30_000);
  // ...and a newcomer who knocks now is vetted by it.
  const late = await Newcomer.register(hs, community, "Late");
  await late.knock("HA");
  await late.readChallenge(30_000);
  assert.equal(await standby.stop(), 0);
});
