/**
 * Roles across the space and two child rooms through the admin API, on a real
 * Synapse, checked by reading the rooms' power levels as another member; and
 * `!mint token` in the operator room makes a token a newcomer registers with.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
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
import { http as call } from "../unit/admin-fakes.js";
import { MatrixHttp } from "../../src/signup/matrix-http.js";
import { registerAccount } from "../../src/signup/register.js";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;
let sock: { socketPath: string };
/** A plain member of every room: reads the power levels as anyone could. */
let reader: MatrixUserClient;
let mod: MatrixUserClient;
let rooms: string[];
/** The operator room: invite-only, where tokens may be shown. */
let ops: string;

before(async () => {
  ({ hs, community, rooms, reader } = await startCommunityWithReader());
  ops = await community.botClient.createRoom({ name: "Moderators", preset: "private_chat" });
  mod = await memberOfAll(hs, community, [...rooms, ops], "mod");
  const levels = await community.botClient.getState(ops, "m.room.power_levels");
  levels.users[mod.userId] = 100;
  await community.botClient.sendState(ops, "m.room.power_levels", "", levels);
  daemon = await TestDaemon.start(hs, community, {
    env: {
      ROLES: "member=0,helper=25,moderator=50,admin=100",
      SEND_MAX_PER_ROOM_PER_MIN: "200",
      ADMIN_COMMAND_ROOM: ops,
    },
  });
  sock = { socketPath: join(daemon.dataDir, "admin.sock") };
});

after(async () => {
  await daemon?.stop();
  await hs?.stop();
});

async function powerLevelEventIds(): Promise<string[]> {
  return Promise.all(
    rooms.map(async (roomId) => {
      const answer = await reader.request(
        "GET",
        `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.power_levels/?format=event`,
      );
      return String(answer?.event_id);
    }),
  );
}

test("a promotion and a demotion through the admin API reach the space and both child rooms", async () => {
  const target = await memberOfAll(hs, community, rooms, "target");
  const promoted = await call(sock, "POST", "/admin/v1/roles", {
    body: { user: target.userId, role: "helper" },
  });
  assert.equal(promoted.status, 200, promoted.text);
  assert.equal(promoted.json.complete, true);
  assert.deepEqual(
    promoted.json.rooms.map((r: { outcome: string }) => r.outcome),
    ["changed", "changed", "changed"],
  );
  assert.deepEqual(await powerLevelsSeenBy(reader, rooms, target.userId), [25, 25, 25]);

  const members = await call(sock, "GET", "/admin/v1/members");
  assert.equal(members.status, 200, members.text);
  const listed = members.json.members.find((m: { user: string }) => m.user === target.userId);
  assert.deepEqual(
    rooms.map((roomId) => listed?.rooms[roomId]?.level),
    [25, 25, 25],
  );

  const demoted = await call(
    sock,
    "DELETE",
    `/admin/v1/roles/${encodeURIComponent(target.userId)}`,
  );
  assert.equal(demoted.status, 200, demoted.text);
  assert.equal(demoted.json.complete, true);
  assert.deepEqual(await powerLevelsSeenBy(reader, rooms, target.userId), [
    undefined,
    undefined,
    undefined,
  ]);

  const audit = await call(
    sock,
    "GET",
    `/admin/v1/audit?type=role_changed&user=${encodeURIComponent(target.userId)}`,
  );
  assert.equal(audit.json.entries.length, 2);
  assert.equal(audit.json.entries[0].via, "admin-api");
});

test("an invalid user ID or an unknown role is a 400, and no power-levels event is sent", async () => {
  const before = await powerLevelEventIds();
  const badUser = await call(sock, "POST", "/admin/v1/roles", {
    body: { user: "target:localhost", role: "moderator" },
  });
  assert.equal(badUser.status, 400, badUser.text);
  assert.match(badUser.json.message, /not a valid user ID/);
  const badRole = await call(sock, "POST", "/admin/v1/roles", {
    body: { user: reader.userId, role: "overlord" },
  });
  assert.equal(badRole.status, 400, badRole.text);
  assert.match(badRole.json.message, /unknown role "overlord"; roles: member \(0\), helper \(25\)/);
  const self = await call(sock, "POST", "/admin/v1/roles", {
    body: { user: community.bot.userId, role: "member" },
  });
  assert.equal(self.status, 400, self.text);
  assert.deepEqual(await powerLevelEventIds(), before);
});

test("!mint token --uses 1 in the operator room gives a token a newcomer registers with", async () => {
  const asked = await mod.sendText(ops, "!mint token --uses 1 --expires 7d");
  const reply = await mod.syncUntil(
    () => {
      const timeline = mod.timeline(ops);
      const at = timeline.findIndex((ev) => ev.event_id === asked);
      if (at < 0) return undefined;
      return timeline
        .slice(at + 1)
        .find((ev) => ev.sender === community.bot.userId && ev.type === "m.room.message")?.content
        ?.body as string | undefined;
    },
    "the bot's answer to !mint token",
    60_000,
  );
  // Synapse's generated tokens use the unreserved URI characters, "." and "~" included.
  const match = /^registration token issued: ([A-Za-z0-9._~-]+) \(1 of 1 uses left, expires /.exec(
    reply,
  );
  assert.ok(match, `unexpected reply: ${reply}`);
  const registered = await registerAccount(new MatrixHttp({ baseUrl: hs.url, timeoutMs: 30_000 }), {
    username: `minted-${randomBytes(4).toString("hex")}`,
    password: `pw-${randomBytes(9).toString("hex")}`,
    registrationToken: match[1] as string,
    deviceName: "test",
  });
  assert.ok(
    registered.ok,
    `registration with the minted token failed: ${JSON.stringify(registered)}`,
  );
});
