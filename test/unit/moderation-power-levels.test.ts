import assert from "node:assert/strict";
import { test } from "node:test";
import {
  botCreationOverride,
  checkRoles,
  planRoleChange,
  readLevel,
  userPowerLevel,
  type RoleChangeRequest,
  type RolePlan,
  type RoomPlan,
  type RoomPowerLevels,
} from "../../core/moderation/power-levels.js";

const BOT = "@anteroom:example.org";
const ALICE = "@alice:example.org";
const MOD = "@mod:example.org";

function room(
  roomId: string,
  users: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): RoomPowerLevels {
  return {
    roomId,
    content: {
      users,
      users_default: 0,
      events: { "m.room.power_levels": 100, "m.room.name": 50 },
      state_default: 50,
      ban: 50,
      kick: 50,
      invite: 0,
      redact: 50,
      ...extra,
    },
  };
}

/** The space and two child rooms, made by anteroom: the bot at 200. */
function community(targetLevel?: number): RoomPowerLevels[] {
  const users = (bot: number) => ({
    [BOT]: bot,
    [MOD]: 50,
    ...(targetLevel === undefined ? {} : { [ALICE]: targetLevel }),
  });
  return [
    room("!space:example.org", users(200)),
    room("!general:example.org", users(200)),
    room("!random:example.org", users(200)),
  ];
}

function plan(request: Partial<RoleChangeRequest> & Pick<RoleChangeRequest, "change">): RolePlan {
  return planRoleChange({ botUserId: BOT, target: ALICE, rooms: community(), ...request });
}

function roomsOf(result: RolePlan): RoomPlan[] {
  assert.ok(result.ok, JSON.stringify(result));
  return result.rooms;
}

test("promoting to moderator changes every room's users entry and nothing else", () => {
  const rooms = roomsOf(plan({ change: { role: "moderator" } }));
  assert.equal(rooms.length, 3);
  for (const [i, r] of rooms.entries()) {
    assert.equal(r.outcome, "change");
    assert.ok(r.outcome === "change");
    assert.equal(r.from, 0);
    assert.equal(r.to, 50);
    const before = community()[i]!.content as Record<string, unknown>;
    assert.deepEqual(r.content, { ...before, users: { [BOT]: 200, [MOD]: 50, [ALICE]: 50 } });
  }
});

test("demotion removes the entry, back to users_default; an absent entry is left alone", () => {
  const rooms = roomsOf(plan({ change: { demote: true }, rooms: community(100) }));
  for (const r of rooms) {
    assert.ok(r.outcome === "change");
    assert.equal(r.to, 0);
    assert.deepEqual(r.content.users, { [BOT]: 200, [MOD]: 50 });
  }
  const none = roomsOf(plan({ change: { demote: true } }));
  assert.deepEqual(
    none.map((r) => r.outcome),
    ["unchanged", "unchanged", "unchanged"],
  );
  // A role at users_default is a demotion too: the entry goes.
  const member = roomsOf(plan({ change: { role: "member" }, rooms: community(50) }));
  assert.ok(member[0]?.outcome === "change");
  assert.equal(Object.hasOwn(member[0].content.users as object, ALICE), false);
});

test("the same role again plans no change", () => {
  const rooms = roomsOf(plan({ change: { role: "admin" }, rooms: community(100) }));
  assert.deepEqual(
    rooms.map((r) => r.outcome),
    ["unchanged", "unchanged", "unchanged"],
  );
});

test("invalid user IDs are refused before any room is looked at", () => {
  const bad = [
    "alice",
    "@alice",
    "@:example.org",
    "@alice:",
    "@al ice:example.org",
    "@alice:exa mple.org",
    `@${"a".repeat(250)}:example.org`,
    "@ålice:example.org",
    "@alice:example.org:99999",
  ];
  for (const target of bad) {
    const result = plan({ target, change: { role: "moderator" } });
    assert.equal(result.ok, false, target);
    assert.ok(!result.ok && /not a valid user ID/.test(result.reason));
  }
  // Historical user IDs (capitals and the like) are real people and are accepted.
  assert.equal(plan({ target: "@Alice_Old:example.org", change: { role: "moderator" } }).ok, true);
});

test("the bot is never demoted or changed, and unknown roles are refused", () => {
  const self = plan({ target: BOT, change: { demote: true } });
  assert.deepEqual(self, { ok: false, reason: "anteroom never changes its own power level" });
  const unknown = plan({ change: { role: "owner" } });
  assert.ok(!unknown.ok);
  assert.match(
    unknown.reason,
    /unknown role "owner"; roles: member \(0\), moderator \(50\), admin \(100\)/,
  );
});

test("a room where the bot is not above the new level is refused with the reason", () => {
  const rooms: RoomPowerLevels[] = [
    ...community(),
    // A room someone else made: the bot is only an admin there.
    room("!legacy:example.org", { [BOT]: 100, "@owner:example.org": 100 }),
  ];
  const result = roomsOf(plan({ change: { role: "admin" }, rooms }));
  assert.deepEqual(
    result.slice(0, 3).map((r) => r.outcome),
    ["change", "change", "change"],
  );
  assert.deepEqual(result[3], {
    roomId: "!legacy:example.org",
    outcome: "refused",
    reason: `power level 100 would not leave the bot (100) above ${ALICE}`,
  });
  // A moderator is still fine there.
  assert.equal(roomsOf(plan({ change: { role: "moderator" }, rooms }))[3]?.outcome, "change");
});

test("the bot needs the level for m.room.power_levels and may not touch anyone at or above itself", () => {
  const lowBot = room("!a:example.org", { [BOT]: 50 });
  const [needs] = roomsOf(plan({ change: { role: "moderator" }, rooms: [lowBot] }));
  assert.deepEqual(needs, {
    roomId: "!a:example.org",
    outcome: "refused",
    reason: "the bot has power level 50 here; changing power levels needs 100",
  });
  const peer = room("!b:example.org", { [BOT]: 200, [ALICE]: 200 });
  const [above] = roomsOf(plan({ change: { demote: true }, rooms: [peer] }));
  assert.ok(above?.outcome === "refused");
  assert.match(above.reason, /has power level 200 here, not below the bot's 200/);
  // Without an events entry, state_default (50) decides; without state_default, 50.
  const plain = (botLevel: number) => ({
    roomId: "!c:example.org",
    content: { users: { [BOT]: botLevel, [ALICE]: 10 } },
  });
  const [tooLow] = roomsOf(plan({ change: { demote: true }, rooms: [plain(40)] }));
  assert.ok(tooLow?.outcome === "refused");
  assert.match(tooLow.reason, /needs 50$/);
  assert.equal(
    roomsOf(plan({ change: { demote: true }, rooms: [plain(60)] }))[0]?.outcome,
    "change",
  );
});

test("malformed power levels are refused rather than copied into an invalid event", () => {
  const cases: [unknown, RegExp][] = [
    [undefined, /no m\.room\.power_levels event/],
    [[], /not an object/],
    [{ users: { [BOT]: 200, "not-a-user": 50 } }, /invalid key "not-a-user"/],
    [{ users: { [BOT]: 200, [MOD]: 50.5 } }, /users\[@mod:example\.org\] is not a whole number/],
    [{ users: { [BOT]: 200 }, ban: "lots" }, /ban is not a whole number/],
    [{ users: { [BOT]: 200 }, events: { "m.room.name": null } }, /events\[m\.room\.name\]/],
    [{ users: { [BOT]: 200 }, notifications: { room: 1e300 } }, /notifications\[room\]/],
    [{ users: "everyone" }, /users is not an object/],
  ];
  for (const [content, reason] of cases) {
    const [result] = roomsOf(
      plan({ change: { role: "moderator" }, rooms: [{ roomId: "!x:example.org", content }] }),
    );
    assert.ok(result?.outcome === "refused", JSON.stringify(content));
    assert.match(result.reason, reason);
  }
});

test("every planned event has whole-number levels and valid user keys", () => {
  const stringy = room(
    "!old:example.org",
    { [BOT]: " +200 ", [MOD]: "050" },
    { users_default: "0", state_default: "50" },
  );
  const [result] = roomsOf(plan({ change: { role: "moderator" }, rooms: [stringy] }));
  assert.ok(result?.outcome === "change");
  assert.equal((result.content.users as Record<string, unknown>)[ALICE], 50);
  for (const [userId, level] of Object.entries(result.content.users as Record<string, unknown>)) {
    assert.ok(userId.startsWith("@") && userId.includes(":"));
    assert.notEqual(readLevel(level), undefined);
  }
});

test("room version 12: creators are unlimited, cannot be changed, and are never listed", () => {
  const v12: RoomPowerLevels = { ...room("!v12", { [MOD]: 50 }), creators: [BOT] };
  const [promoted] = roomsOf(plan({ change: { role: "admin" }, rooms: [v12] }));
  assert.ok(promoted?.outcome === "change");
  assert.deepEqual(promoted.content.users, { [MOD]: 50, [ALICE]: 100 });
  const owned: RoomPowerLevels = { ...room("!v12b", {}), creators: ["@founder:example.org", BOT] };
  const [founder] = roomsOf(
    plan({ target: "@founder:example.org", change: { demote: true }, rooms: [owned] }),
  );
  assert.ok(founder?.outcome === "refused");
  assert.match(founder.reason, /created the room/);
  assert.equal(userPowerLevel(owned.content, BOT, owned.creators), Number.POSITIVE_INFINITY);
});

test("roles are configurable and checked", () => {
  const roles = checkRoles([
    { name: "member", level: 0 },
    { name: "helper", level: 20 },
    { name: "steward", level: 90 },
  ]);
  const rooms = roomsOf(plan({ change: { role: "helper" }, roles }));
  assert.ok(rooms[0]?.outcome === "change" && rooms[0].to === 20);
  assert.throws(() => checkRoles([{ name: "Boss", level: 10 }]), /role name "Boss"/);
  assert.throws(() => checkRoles([{ name: "boss", level: 200 }]), /below the bot/);
  assert.throws(() => checkRoles([{ name: "boss", level: 1.5 }]), /whole number/);
  assert.throws(
    () =>
      checkRoles([
        { name: "a", level: 1 },
        { name: "a", level: 2 },
      ]),
    /listed twice/,
  );
  assert.throws(
    () =>
      checkRoles([
        { name: "a", level: 1 },
        { name: "b", level: 1 },
      ]),
    /already has level 1/,
  );
});

test("rooms anteroom creates put the bot at 200 (or nowhere, where creators are unlimited)", () => {
  assert.deepEqual(botCreationOverride(BOT), { users: { [BOT]: 200 } });
  assert.deepEqual(botCreationOverride(BOT, "11"), { users: { [BOT]: 200 } });
  assert.deepEqual(botCreationOverride(BOT, "12"), {});
  assert.throws(() => botCreationOverride("anteroom"), /not valid/);
  // After creation the bot is above any admin in such a room.
  const created = room("!new:example.org", botCreationOverride(BOT).users!);
  assert.equal(
    roomsOf(plan({ change: { role: "admin" }, rooms: [created] }))[0]?.outcome,
    "change",
  );
});

test("power levels read the spec's way", () => {
  assert.equal(readLevel(" -0100 "), -100);
  assert.equal(readLevel("1e3"), undefined);
  assert.equal(readLevel(2 ** 53), undefined);
  assert.equal(userPowerLevel({ users: { [MOD]: 50 }, users_default: 5 }, ALICE), 5);
  assert.equal(userPowerLevel(undefined, ALICE), 0);
});
