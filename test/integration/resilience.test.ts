import { after, afterEach, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { Newcomer, haikuWith } from "../harness/newcomer-flow.js";
import { waitFor } from "../harness/wait.js";

let hs: TestHomeserver;
let community: TestCommunity;
const daemons: TestDaemon[] = [];

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 1 });
});

// Every test runs its own daemon for the one bot: none may outlive its test.
afterEach(async () => {
  for (const daemon of daemons.splice(0)) await daemon.stop();
});

after(async () => {
  await hs?.stop();
});

async function start(env: Record<string, string>, dataDir?: string): Promise<TestDaemon> {
  // The bursts here test crash recovery; a join wave would hold their passes for a moderator.
  const daemon = await TestDaemon.start(hs, community, {
    env: { JOIN_WAVE_PER_MIN: "0", ...env },
    ...(dataDir ? { dataDir } : {}),
  });
  daemons.push(daemon);
  return daemon;
}

/** Rooms other than the space and its children that the newcomer was invited to. */
function vettingInvites(newcomer: Newcomer): string[] {
  const community_ = new Set([community.spaceId, ...community.childIds]);
  return [...newcomer.client.seenInvites().keys()].filter((id) => !community_.has(id));
}

test("kill -9 during a burst of knocks, then a restart: one room per knock, no code charged twice, open vettings go on", async () => {
  const uses = 40;
  const daemon = await start({
    INITIAL_CODES: JSON.stringify({ BURST: { uses_remaining: uses, label: "burst" } }),
  });
  // One newcomer is mid-vetting when the crash comes.
  const early = await Newcomer.register(hs, community, "Early");
  await early.knock("BURST");
  const earlyChallenge = await early.readChallenge();

  const burst = await Promise.all(
    Array.from({ length: 12 }, (_, i) => Newcomer.register(hs, community, `Burst ${i}`)),
  );
  await Promise.all(burst.map((n) => n.knock("BURST")));
  // Crash as soon as the first vetting room of the burst exists: the rest are somewhere mid-flight.
  await burst[0]?.vettingInvite(20_000);
  await daemon.kill9();

  const restarted = await start({}, daemon.dataDir);
  for (const newcomer of burst) await newcomer.readChallenge(30_000);
  // Give a wrongly repeated room time to show up before counting.
  await restarted.waitReady();
  await Promise.all(burst.map((n) => n.client.sync(1000)));
  for (const newcomer of burst) {
    assert.equal(
      vettingInvites(newcomer).length,
      1,
      `${newcomer.userId} got exactly one vetting room`,
    );
  }
  const codes = JSON.parse(await readFile(join(daemon.dataDir, "codes.json"), "utf8"));
  assert.equal(
    codes.BURST.uses_remaining,
    uses - 1 - burst.length,
    "each knock charged exactly once",
  );

  // The vetting open before the crash carries on where it was.
  await early.reply(earlyChallenge, haikuWith(earlyChallenge.keyword));
  await early.botSays(earlyChallenge, /^passed!/);
  await early.client.waitForInvite(community.spaceId);
  await restarted.stop();
});

test("the homeserver restarting mid-vetting: the daemon survives and the newcomer still gets in", async () => {
  const daemon = await start({
    INITIAL_CODES: JSON.stringify({ HSRESTART: { uses_remaining: 5, label: "" } }),
  });
  const newcomer = await Newcomer.register(hs, community, "Patient");
  await newcomer.knock("HSRESTART");
  const challenge = await newcomer.readChallenge();
  await hs.kill();
  // The daemon notices, says so on /healthz and in its log, and keeps running.
  await waitFor(async () => (await fetch(`${daemon.url}/healthz`)).status === 503, {
    what: "/healthz to report the homeserver gone",
    timeoutMs: 60_000,
  });
  await waitFor(() => daemon.logged(/lost the homeserver/), { what: "the outage to be logged" });
  await hs.start();
  await daemon.waitReady(60_000);
  await newcomer.reply(challenge, haikuWith(challenge.keyword));
  await newcomer.botSays(challenge, /^passed!/, 60_000);
  await newcomer.client.waitForInvite(community.spaceId, 30_000);
  // A knock right after the homeserver is back is handled too.
  const next = await Newcomer.register(hs, community, "Next");
  await next.knock("HSRESTART");
  await next.readChallenge(30_000);
  assert.equal(await daemon.stop(), 0, "a clean stop after the outage");
});

test("SIGTERM stops cleanly and a restart answers a reply sent while it was down", async () => {
  const daemon = await start({
    INITIAL_CODES: JSON.stringify({ DOWNTIME: { uses_remaining: 5, label: "" } }),
  });
  const newcomer = await Newcomer.register(hs, community, "Offline");
  await newcomer.knock("DOWNTIME");
  const challenge = await newcomer.readChallenge();
  assert.equal(await daemon.stop(), 0);
  await newcomer.reply(challenge, haikuWith(challenge.keyword));
  const back = await start({}, daemon.dataDir);
  await newcomer.botSays(challenge, /^passed!/, 30_000);
  await back.stop();
});

test("a lost sync state: knocks made while the daemon was down are handled, decided ones are not replayed", async () => {
  const daemon = await start({
    INITIAL_CODES: JSON.stringify({ LOST: { uses_remaining: 5, label: "" } }),
  });
  const decided = await Newcomer.register(hs, community, "Decided");
  await decided.knock("WRONG-CODE");
  await decided.client.waitForLeave(community.spaceId);
  const vetted = await Newcomer.register(hs, community, "Vetted");
  await vetted.knock("LOST");
  await vetted.readChallenge();
  assert.equal(await daemon.stop(), 0);
  await rm(join(daemon.dataDir, "sync.json"));
  const waiting = await Newcomer.register(hs, community, "Waiting");
  await waiting.knock("LOST");
  const back = await start({}, daemon.dataDir);
  await waiting.readChallenge(30_000);
  await vetted.client.sync(1000);
  assert.equal(vettingInvites(vetted).length, 1, "the open vetting is not opened again");
  const codes = JSON.parse(await readFile(join(daemon.dataDir, "codes.json"), "utf8"));
  assert.equal(codes.LOST.uses_remaining, 3);
  await back.stop();
});
