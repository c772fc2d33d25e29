/**
 * The console's moderation the two ways it runs: attached (the daemon's admin
 * API over its socket) and in-process (straight on a runtime this test opens,
 * as `anteroom` does when no daemon runs). One scenario against each, on the
 * same real Synapse: the outcomes a moderator reads must be the same, and the
 * rooms must really change.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { TestHomeserver } from "../harness/homeserver.js";
import type { TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import type { MatrixUserClient } from "../harness/newcomer.js";
import {
  memberOfAll,
  startCommunityWithReader,
  powerLevelsSeenBy,
} from "../harness/community-members.js";
import { openTestRuntime } from "../harness/runtime.js";
import { waitFor } from "../harness/wait.js";
import type { ModerationApi } from "../../core/moderation-api.js";
import { attachedModeration } from "../../src/control/moderation-api.js";
import { runtimeModeration } from "../../src/control/runtime-moderation.js";

const ROLES = "member=0,helper=25,moderator=50,admin=100";

let hs: TestHomeserver;
let community: TestCommunity;
let rooms: string[];
/** A plain member of every room: reads the power levels as anyone could. */
let reader: MatrixUserClient;

before(async () => {
  ({ hs, community, rooms, reader } = await startCommunityWithReader());
});

after(async () => {
  await hs?.stop();
});

/**
 * What a moderator does in the Blocklist and Members views, as outcomes: the
 * same list must come back from either console. `target` is a member the
 * scenario promotes and demotes.
 */
async function scenario(api: ModerationApi, target: string): Promise<unknown[]> {
  const seen: unknown[] = [];
  seen.push(await api.addBlock("@spam*:evil.example", "spam wave", "mod"));
  seen.push(await api.addBlock("@spam*:evil.example", undefined, "mod"));
  seen.push(await api.addBlock("", undefined, "mod"));
  const listed = await api.blocklist();
  seen.push(listed.map(({ pattern, kind, reason }) => ({ pattern, kind, reason })));
  seen.push(await api.removeBlock("@spam*:evil.example", "mod"));
  seen.push(await api.removeBlock("@nobody:evil.example", "mod"));
  seen.push((await api.blocklist()).length);

  seen.push((await api.roles()).map((role) => `${role.name}=${role.level}`));
  seen.push(await api.setRole(target, "helper", "mod"));
  assert.deepEqual(
    await powerLevelsSeenBy(reader, rooms, target),
    [25, 25, 25],
    "promoted in every room",
  );
  const member = (await api.members()).find((m) => m.user === target);
  seen.push(member && rooms.map((roomId) => member.levels[roomId]));
  seen.push(member?.displayName);
  seen.push(await api.setRole(target, "overlord", "mod"));
  seen.push(await api.setRole(community.bot.userId, "member", "mod"));
  seen.push(await api.demote(target, "mod"));
  assert.deepEqual(await powerLevelsSeenBy(reader, rooms, target), [
    undefined,
    undefined,
    undefined,
  ]);
  // The target's ID differs between runs; the outcomes are compared without it.
  return JSON.parse(JSON.stringify(seen).replaceAll(target, "@target"));
}

let attachedOutcomes: unknown[] | undefined;

test("attached: blocklist and roles through the daemon's admin API change the rooms", async () => {
  const target = await memberOfAll(hs, community, rooms, "target-attached", "Tess Target");
  const daemon = await TestDaemon.start(hs, community, { env: { ROLES } });
  const api = attachedModeration(join(daemon.dataDir, "admin.sock"));
  try {
    attachedOutcomes = await scenario(api, target.userId);
  } finally {
    api.close();
    await daemon.stop();
  }
  assert.deepEqual(attachedOutcomes.slice(0, 2), [
    { ok: true, summary: "blocked @spam*:evil.example (glob)" },
    { ok: true, summary: "@spam*:evil.example (glob) was already blocked" },
  ]);
  assert.equal((attachedOutcomes[2] as { ok: boolean }).ok, false, "an empty pattern is refused");
  assert.deepEqual(attachedOutcomes[4], { ok: true, summary: "unblocked @spam*:evil.example" });
  assert.equal((attachedOutcomes[5] as { ok: boolean }).ok, false, "no such entry");
  assert.deepEqual(attachedOutcomes[8], { ok: true, summary: "made @target helper" });
  assert.deepEqual(attachedOutcomes[9], [25, 25, 25]);
  assert.equal(attachedOutcomes[10], "Tess Target");
});

test("in-process: the same actions on a runtime give the same outcomes and change the rooms alike", async () => {
  assert.ok(attachedOutcomes, "the attached run comes first");
  const target = await memberOfAll(hs, community, rooms, "target-inprocess", "Tess Target");
  const { runtime, close } = await openTestRuntime(hs, community, { ROLES });
  try {
    // Members come from the bot's synced rooms: wait until it has them, as the console would.
    await waitFor(
      async () =>
        (await runtimeModeration(runtime).members()).some((m) => m.user === target.userId),
      { what: "the runtime to see the target in the space", timeoutMs: 30_000 },
    );
    const outcomes = await scenario(runtimeModeration(runtime), target.userId);
    assert.deepEqual(outcomes, attachedOutcomes);
  } finally {
    await close();
  }
});
