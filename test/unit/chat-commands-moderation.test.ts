/** Chat moderation across the space and its rooms, on a stand-in moderation port. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { HomeserverError } from "../../core/ports.js";
import { isOperator } from "../../core/chat-commands/authorize.js";
import { moderationActions, type ModerationPort } from "../../src/chat/moderation-actions.js";

const BOT = "@anteroom:example.org";
const MOD = "@mod:example.org";
const ROOMS = ["!space:example.org", "!a:example.org", "!b:example.org"];

function world(levels: Record<string, Record<string, unknown> | Error>) {
  const written: [string, Record<string, unknown>][] = [];
  const acted: [string, readonly string[], string, string][] = [];
  const audit: Record<string, unknown>[] = [];
  const everywhere =
    (action: string) =>
    async (rooms: readonly string[], user: string, reason = "") => {
      acted.push([action, rooms, user, reason]);
      return rooms.map((roomId) =>
        roomId === "!b:example.org" && action === "ban"
          ? {
              roomId,
              ok: false as const,
              error: new HomeserverError("M_FORBIDDEN: not allowed", false),
            }
          : { roomId, ok: true as const },
      );
    };
  const port: ModerationPort = {
    userId: BOT,
    kick: everywhere("kick"),
    ban: everywhere("ban"),
    unban: everywhere("unban"),
    async readPowerLevels(roomId) {
      const content = levels[roomId];
      if (content instanceof Error) throw content;
      return { roomId, content, roomVersion: "11" };
    },
    async writePowerLevels(roomId, content) {
      written.push([roomId, content]);
      return "$pl";
    },
  };
  const actions = moderationActions({
    port,
    rooms: ROOMS,
    audit: { append: async (r) => void audit.push(r) },
    now: () => 1_800_000_000_000,
  });
  return { actions, written, acted, audit };
}

const standard = () => ({ users: { [BOT]: 100 }, users_default: 0 });

test("a ban goes to the space and every child room, and a room that refused is named", async () => {
  const w = world({});
  const outcome = await w.actions.ban("@spam:evil.org", "links", MOD, 100);
  assert.deepEqual(w.acted, [["ban", ROOMS, "@spam:evil.org", "links"]]);
  assert.equal(outcome.ok, false);
  assert.match(
    outcome.ok ? "" : outcome.error,
    /banned @spam:evil.org in 2 of 3 rooms; !b:example.org: M_FORBIDDEN/,
  );
  assert.deepEqual(w.audit[0]?.rooms, ROOMS.slice(0, 2));
  assert.equal(w.audit[0]?.by, MOD);
  assert.deepEqual(await w.actions.kick("@spam:evil.org", undefined, MOD, 100), {
    ok: true,
    summary: "kicked @spam:evil.org in 3 of 3 rooms",
  });
});

test("the bot never kicks, bans or demotes itself", async () => {
  const w = world({});
  assert.equal((await w.actions.kick(BOT, undefined, MOD, 100)).ok, false);
  assert.equal((await w.actions.ban(BOT, undefined, MOD, 100)).ok, false);
  const demoted = await w.actions.demote(BOT, MOD, 100);
  assert.equal(demoted.ok, false);
  assert.deepEqual(w.acted, []);
  assert.deepEqual(w.written, []);
});

test("a promotion writes the new level in every room that needs it and reports the rest", async () => {
  const w = world({
    "!space:example.org": standard(),
    "!a:example.org": { ...standard(), users: { [BOT]: 100, "@bo:example.org": 50 } },
    "!b:example.org": new HomeserverError("M_FORBIDDEN: not in room", false),
  });
  const outcome = await w.actions.promote("@bo:example.org", "moderator", MOD, 100);
  assert.deepEqual(
    w.written.map(([room, content]) => [
      room,
      (content.users as Record<string, number>)["@bo:example.org"],
    ]),
    [["!space:example.org", 50]],
  );
  assert.equal(outcome.ok, false);
  assert.match(
    outcome.ok ? "" : outcome.error,
    /changed in 1, already so in 1, of 3 rooms; !b:example.org: M_FORBIDDEN/,
  );
});

test("an unknown role is refused before anything is written; a demotion removes the entry", async () => {
  const w = world({
    "!space:example.org": { ...standard(), users: { [BOT]: 100, "@bo:example.org": 50 } },
    "!a:example.org": standard(),
    "!b:example.org": standard(),
  });
  const unknown = await w.actions.promote("@bo:example.org", "overlord", MOD, 100);
  assert.equal(unknown.ok, false);
  assert.match(unknown.ok ? "" : unknown.error, /unknown role/);
  const aboveOwn = await w.actions.promote("@bo:example.org", "admin", MOD, 50);
  assert.match(aboveOwn.ok ? "" : aboveOwn.error, /100 is above your own power level \(50\)/);
  assert.equal(w.written.length, 0);
  assert.equal((await w.actions.demote("@bo:example.org", MOD, 100)).ok, true);
  assert.deepEqual(
    w.written.map(([room, content]) => [room, content.users]),
    [["!space:example.org", { [BOT]: 100 }]],
  );
});

test("an operator at 50 acts on nobody who is at 50 or above in any room the action touches", async () => {
  const high = { ...standard(), users: { [BOT]: 100, "@bo:example.org": 60 } };
  const w = world({
    "!space:example.org": { ...standard(), users: { [BOT]: 100, "@bo:example.org": 10 } },
    "!a:example.org": standard(),
    "!b:example.org": high,
  });
  for (const outcome of [
    await w.actions.kick("@bo:example.org", undefined, MOD, 50),
    await w.actions.ban("@bo:example.org", "spam", MOD, 50),
    await w.actions.demote("@bo:example.org", MOD, 50),
    await w.actions.promote("@bo:example.org", "member", MOD, 50),
  ]) {
    assert.equal(outcome.ok, false);
    assert.equal(
      outcome.ok ? "" : outcome.error,
      "@bo:example.org has power level 60 in !b:example.org, not below yours (50): nothing was done",
    );
  }
  assert.deepEqual(w.acted, []);
  assert.deepEqual(w.written, []);
  assert.deepEqual(w.audit, []);
  // The same operator reaches someone below them everywhere.
  assert.equal((await w.actions.kick("@low:example.org", undefined, MOD, 50)).ok, true);
});

test("a room whose power levels cannot be read is not acted on, and is reported", async () => {
  const w = world({
    "!space:example.org": standard(),
    "!a:example.org": standard(),
    "!b:example.org": new HomeserverError("the homeserver did not answer", true),
  });
  const outcome = await w.actions.kick("@spam:evil.org", undefined, MOD, 50);
  assert.deepEqual(w.acted, [["kick", ROOMS.slice(0, 2), "@spam:evil.org", ""]]);
  assert.match(
    outcome.ok ? "" : outcome.error,
    /kicked @spam:evil.org in 2 of 3 rooms; !b:example.org: the homeserver did not answer/,
  );
});

test("in rooms of version 12 and later the creators count as operators without a users entry", () => {
  const policy = { threshold: 50, allowlist: [] };
  assert.ok(isOperator("@founder:example.org", { users: {} }, policy, ["@founder:example.org"]));
  assert.ok(!isOperator("@founder:example.org", { users: {} }, policy, []));
});
