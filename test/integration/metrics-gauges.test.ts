// The gauges on-call alerts read, each in a known state on a real Synapse: one held knock, two
// open vetting rooms, one effect given up; and the bundled alert rules only name metrics that exist.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { Newcomer, haikuWith } from "../harness/newcomer-flow.js";
import { waitFor } from "../harness/wait.js";
import { MatrixUserClient } from "../harness/newcomer.js";
import { packageVersion } from "../../src/package-info.js";
import { promtoolCheckRules } from "../harness/promtool.js";
import { fileURLToPath } from "node:url";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 1 });
  // A child room the bot never joined: inviting a newcomer there fails for good.
  const stranger = await hs.registerUser(undefined, { displayName: "Stranger" });
  const strangerRoom = await new MatrixUserClient(hs.url, stranger).createRoom({
    name: "Not the bot's",
    preset: "private_chat",
  });
  daemon = await TestDaemon.start(hs, community, {
    env: {
      INITIAL_CODES: JSON.stringify({ GAUGE: { uses_remaining: 10, label: "gauges" } }),
      SPACE_CHILD_IDS: [...community.childIds, strangerRoom].join(","),
      KNOCK_HOLD_SEC: "3600",
      VETTING_TIMEOUT_SEC: "3600",
    },
  });
});

after(async () => {
  await daemon?.stop();
  await hs?.stop();
});

async function scrape(): Promise<string> {
  return (await fetch(`${daemon.url}/metrics`)).text();
}

function sample(text: string, series: string): number | undefined {
  const escaped = series.replace(/[{}"=.|*+?()[\]\\^$]/g, (c) => `\\${c}`);
  const match = new RegExp(`^${escaped} (\\S+)$`, "m").exec(text);
  return match ? Number(match[1]) : undefined;
}

test("each on-call gauge reads the state it names", async () => {
  // A pass whose invite into one child room fails for good: an effect given up.
  const admitted = await Newcomer.register(hs, community, "Ada");
  await admitted.knock("GAUGE");
  const challenge = await admitted.readChallenge();
  await admitted.reply(challenge, haikuWith(challenge.keyword));
  await admitted.client.waitForInvite(community.spaceId);
  await waitFor(async () => sample(await scrape(), "anteroom_effects_given_up") === 1, {
    what: "the failed invite to be given up",
  });
  // One knock without a code (held), two newcomers in their vetting rooms.
  const held = await Newcomer.register(hs, community, "Hal");
  await held.knock();
  for (const name of ["Bea", "Cy"]) {
    const newcomer = await Newcomer.register(hs, community, name);
    await newcomer.knock("GAUGE");
    await newcomer.readChallenge();
  }
  let text = "";
  await waitFor(
    async () => {
      text = await scrape();
      return sample(text, "anteroom_knocks_held") === 1;
    },
    { what: "the held knock to be counted" },
  );
  assert.equal(sample(text, 'anteroom_open_rooms{kind="vetting"}'), 2);
  assert.equal(sample(text, 'anteroom_open_rooms{kind="lobby"}'), 0);
  const oldest = sample(text, 'anteroom_oldest_open_room_age_seconds{kind="vetting"}') ?? -1;
  assert.ok(oldest > 0 && oldest < 600, `oldest open vetting room is ${oldest} s old`);
  assert.equal(sample(text, 'anteroom_triage_items{kind="held"}'), 1);
  assert.equal(sample(text, 'anteroom_triage_items{kind="failed"}'), 1);
  assert.equal(sample(text, "anteroom_effects_given_up"), 1);
  assert.equal(sample(text, "anteroom_effects_retrying"), 0);
  assert.equal(sample(text, "anteroom_join_wave_active"), 0);
  const syncAge = sample(text, "anteroom_last_sync_age_seconds") ?? -1;
  assert.ok(syncAge >= 0 && syncAge < 60, `last sync ${syncAge} s ago`);
  assert.equal(
    sample(text, `anteroom_build_info{version="${packageVersion()}",node="${process.version}"}`),
    1,
  );
  // Node's own metrics under their standard names.
  assert.match(text, /^process_resident_memory_bytes \d+/m);
  assert.doesNotMatch(text, /^anteroom_process_/m);
});

test("the bundled alert rules pass promtool and only read metrics the daemon serves", async () => {
  const file = fileURLToPath(new URL("../../deploy/prometheus-alerts.yml", import.meta.url));
  assert.match(await promtoolCheckRules(file), /SUCCESS: 5 rules found/);
  const rules = parse(await readFile(file, "utf8")) as {
    groups: { name: string; rules: { alert: string; expr: string; for?: string }[] }[];
  };
  const served = new Set(
    [...(await scrape()).matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]),
  );
  const alerts = rules.groups.flatMap((group) => group.rules);
  assert.deepEqual(alerts.map((rule) => rule.alert).sort(), [
    "AnteroomEffectsGivenUp",
    "AnteroomJoinWave",
    "AnteroomKnocksWaiting",
    "AnteroomSyncStale",
    "AnteroomVettingRoomStuck",
  ]);
  for (const rule of alerts) {
    const names = rule.expr.match(/\banteroom_[a-z_]+/g) ?? [];
    assert.ok(names.length > 0, `${rule.alert} reads no anteroom metric`);
    for (const name of names)
      assert.ok(served.has(name), `${rule.alert} reads ${name}, which /metrics lacks`);
  }
});
