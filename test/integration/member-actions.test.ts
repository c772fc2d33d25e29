/**
 * Kick, ban and unban across the space and two child rooms on a real Synapse:
 * through the admin API of a real daemon, and through the in-process
 * console's ModerationApi on a runtime this test opens. Every outcome is
 * checked by reading the rooms' state as another member.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { TestHomeserver } from "../harness/homeserver.js";
import type { TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import type { MatrixUserClient } from "../harness/newcomer.js";
import { memberOfAll, startCommunityWithReader } from "../harness/community-members.js";
import { openTestRuntime } from "../harness/runtime.js";
import { Newcomer } from "../harness/newcomer-flow.js";
import { waitFor } from "../harness/wait.js";
import { http as call } from "../unit/admin-fakes.js";
import type { VettingRecord } from "../../core/vetting/record.js";
import { runtimeModeration } from "../../src/control/runtime-moderation.js";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;
let sock: { socketPath: string };
let rooms: string[];
/** A plain member of every room: reads the memberships as anyone could. */
let reader: MatrixUserClient;

before(async () => {
  ({ hs, community, rooms, reader } = await startCommunityWithReader());
  daemon = await TestDaemon.start(hs, community, {
    env: { SEND_MAX_PER_ROOM_PER_MIN: "200", VETTING_TIMEOUT_SEC: "3600" },
  });
  sock = { socketPath: join(daemon.dataDir, "admin.sock") };
});

after(async () => {
  await daemon?.stop();
  await hs?.stop();
});

function memberAction(user: string, body: unknown, actor = "mod-alice") {
  return call(sock, "POST", `/admin/v1/members/${encodeURIComponent(user)}/actions`, {
    body,
    headers: { "x-anteroom-actor": actor },
  });
}

/** `user`'s membership in the space and each child room, as the reader sees it. */
function membershipsSeenByReader(user: string): Promise<(string | undefined)[]> {
  return Promise.all(rooms.map((roomId) => reader.membership(roomId, user)));
}

/** How many state events each room holds: a refused request must not add one. */
function stateSizes(): Promise<number[]> {
  return Promise.all(
    rooms.map(async (roomId) => {
      const state = await reader.request(
        "GET",
        `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state`,
      );
      return (state as unknown[]).length;
    }),
  );
}

async function auditOf(type: string, user: string): Promise<Record<string, unknown>[]> {
  const answer = await call(
    sock,
    "GET",
    `/admin/v1/audit?type=${type}&user=${encodeURIComponent(user)}`,
  );
  return answer.json.entries as Record<string, unknown>[];
}

test("a ban through the admin API reaches the space and both child rooms, and an unban lifts it", async () => {
  const target = await memberOfAll(hs, community, rooms, "banned-target");
  const banned = await memberAction(target.userId, { action: "ban", reason: "spam wave" });
  assert.equal(banned.status, 200, banned.text);
  assert.equal(banned.json.complete, true);
  assert.deepEqual(
    banned.json.rooms.map((r: { roomId: string; outcome: string }) => [r.roomId, r.outcome]),
    rooms.map((roomId) => [roomId, "done"]),
  );
  assert.deepEqual(await membershipsSeenByReader(target.userId), ["ban", "ban", "ban"]);
  const ban = await reader.getState(
    community.childIds[1] as string,
    "m.room.member",
    target.userId,
  );
  assert.equal(ban.reason, "spam wave");

  const again = await memberAction(target.userId, { action: "ban" });
  assert.equal(again.status, 200, "a repeated ban is safe");
  assert.equal(again.json.complete, true);

  const audit = await auditOf("user_banned", target.userId);
  assert.equal(audit[0]?.via, "admin-api");
  assert.equal(audit[0]?.by, "mod-alice");
  assert.deepEqual(audit[0]?.rooms, rooms);

  const unbanned = await memberAction(target.userId, { action: "unban" });
  assert.equal(unbanned.status, 200, unbanned.text);
  assert.equal(unbanned.json.complete, true);
  assert.deepEqual(await membershipsSeenByReader(target.userId), ["leave", "leave", "leave"]);
  // Unbanned, they can be invited and join again.
  await community.botClient.invite(community.spaceId, target.userId);
  await target.join(community.spaceId);
});

test("a kick through the admin API removes a member from the space and both child rooms", async () => {
  const target = await memberOfAll(hs, community, rooms, "kicked-target");
  const kicked = await memberAction(target.userId, { action: "kick", reason: "cool off" });
  assert.equal(kicked.status, 200, kicked.text);
  assert.equal(kicked.json.complete, true);
  assert.deepEqual(await membershipsSeenByReader(target.userId), ["leave", "leave", "leave"]);
  const kick = await reader.getState(community.spaceId, "m.room.member", target.userId);
  assert.equal(kick.reason, "cool off");
  const audit = await auditOf("user_kicked", target.userId);
  assert.equal(audit.length, 1);
  assert.equal(audit[0]?.via, "admin-api");
});

test("banning a knocking newcomer closes their knock as banned", async () => {
  const newcomer = await Newcomer.register(hs, community, "Knocker");
  await newcomer.knock();
  const knockOf = async () => {
    const answer = await call(
      sock,
      "GET",
      `/admin/v1/knocks?user=${encodeURIComponent(newcomer.userId)}`,
    );
    return (answer.json.records as VettingRecord[])[0];
  };
  await waitFor(async () => (await knockOf())?.phase === "held", { what: "the knock to be held" });
  const banned = await memberAction(newcomer.userId, { action: "ban", reason: "known spammer" });
  assert.equal(banned.status, 200, banned.text);
  assert.equal(banned.json.complete, true);
  const closed = await waitFor(
    async () => {
      const record = await knockOf();
      return record?.outcome === "banned" ? record : undefined;
    },
    { what: "the knock to close as banned", timeoutMs: 30_000 },
  );
  assert.equal(closed.phase, "withdrawn");
  assert.equal(await reader.membership(community.spaceId, newcomer.userId), "ban");
});

test("a malformed user ID, the bot itself or a bad body is a 400, and nothing is sent", async () => {
  const before = await stateSizes();
  for (const user of ["not-a-user", "@nocolon", "@a b:example.org", "@x:bad host", "@"]) {
    const answer = await memberAction(user, { action: "ban" });
    assert.equal(answer.status, 400, `${user}: ${answer.text}`);
    assert.equal(answer.json.error, "bad_request");
  }
  const self = await memberAction(community.bot.userId, { action: "kick" });
  assert.equal(self.status, 400, self.text);
  assert.match(self.json.message, /does not kick itself/);

  const someone = "@someone:localhost";
  for (const body of [
    { action: "mute" },
    { action: "ban", reason: "x".repeat(1001) },
    { action: "ban", reason: "line one\nline two" },
    { action: "ban", reason: "\u202eevil" },
    { action: "ban", extra: true },
    {},
  ]) {
    const answer = await memberAction(someone, body);
    assert.equal(answer.status, 400, `${JSON.stringify(body).slice(0, 60)}: ${answer.text}`);
  }

  assert.deepEqual(await stateSizes(), before, "no state event was sent");
  assert.equal((await auditOf("user_banned", someone)).length, 0);
  assert.equal(await reader.membership(community.spaceId, community.bot.userId), "join");
});

test("in-process: the console's memberAction on a runtime bans and unbans across the rooms", async () => {
  const target = await memberOfAll(hs, community, rooms, "inprocess-target");
  const { runtime, close } = await openTestRuntime(hs, community);
  try {
    const api = runtimeModeration(runtime);
    assert.deepEqual(await api.memberAction(target.userId, "ban", "flooding", "mod-bob"), {
      ok: true,
      summary: `banned ${target.userId} in 3 of 3 rooms`,
    });
    assert.deepEqual(await membershipsSeenByReader(target.userId), ["ban", "ban", "ban"]);
    assert.deepEqual(await api.memberAction(target.userId, "unban", undefined, "mod-bob"), {
      ok: true,
      summary: `unbanned ${target.userId} in 3 of 3 rooms`,
    });
    assert.deepEqual(await membershipsSeenByReader(target.userId), ["leave", "leave", "leave"]);
    const refused = await api.memberAction("nonsense", "kick", undefined, "mod-bob");
    assert.equal(refused.ok, false);
    const self = await api.memberAction(community.bot.userId, "ban", undefined, "mod-bob");
    assert.deepEqual(self, { ok: false, error: "anteroom does not ban itself" });
    const audit = await runtime.audit.read({ types: ["user_banned"], user: target.userId });
    assert.equal(audit[0]?.via, "console");
    assert.equal(audit[0]?.by, "mod-bob");
  } finally {
    await close();
  }
});

test("with the homeserver down the admin API answers 503 homeserver_unavailable", async () => {
  const target = await memberOfAll(hs, community, rooms, "unreachable-target");
  await hs.kill();
  try {
    const answer = await memberAction(target.userId, { action: "ban" });
    assert.equal(answer.status, 503, answer.text);
    assert.equal(answer.json.error, "homeserver_unavailable");
  } finally {
    await hs.start();
  }
  const retried = await waitFor(
    async () => {
      const answer = await memberAction(target.userId, { action: "ban" });
      return answer.status === 200 ? answer : undefined;
    },
    { what: "the ban to go through once the homeserver is back", timeoutMs: 60_000 },
  );
  assert.equal(retried.json.complete, true);
  assert.deepEqual(await membershipsSeenByReader(target.userId), ["ban", "ban", "ban"]);
});
