import { test } from "node:test";
import assert from "node:assert/strict";
import { HomeserverError } from "../../core/ports.js";
import type { RoomOutcome } from "../../src/matrix/moderation-port.js";
import {
  describeMemberAction,
  memberActionOutcome,
  memberActionService,
  type MemberActionsPort,
} from "../../src/moderation/member-actions.js";

const BOT = "@anteroom:example.org";
const ROOMS = ["!space:example.org", "!a:example.org", "!b:example.org"];

/** A port whose rooms answer as `fail` says, recording what was sent. */
function world(fail: (roomId: string) => HomeserverError | undefined = () => undefined) {
  const sent: string[] = [];
  const audit: Record<string, unknown>[] = [];
  const everywhere =
    (action: string) =>
    async (rooms: readonly string[], user: string, reason = ""): Promise<RoomOutcome[]> => {
      sent.push(`${action} ${user} ${reason}`);
      return rooms.map((roomId) => {
        const error = fail(roomId);
        return error ? { roomId, ok: false, error } : { roomId, ok: true };
      });
    };
  const port: MemberActionsPort = {
    userId: BOT,
    kick: everywhere("kick"),
    ban: everywhere("ban"),
    unban: everywhere("unban"),
    readPowerLevels: async (roomId) => ({ roomId, content: undefined, roomVersion: "11" }),
  };
  const service = memberActionService({
    port,
    rooms: ROOMS,
    audit: { append: async (r) => void audit.push(r) },
    now: () => 1_800_000_000_000,
  });
  return { service, sent, audit };
}

test("a wrong request sends nothing and audits nothing", async () => {
  const w = world();
  const by = { by: "mod", via: "console" };
  for (const [user, reason] of [
    ["not-a-user", undefined],
    ["@no-server", undefined],
    [`@${"a".repeat(300)}:example.org`, undefined],
    [BOT, undefined],
    ["@spam:evil.org", "x".repeat(1001)],
    ["@spam:evil.org", "two\nlines"],
    ["@spam:evil.org", "\u202ereversed"],
  ] as const) {
    const result = await w.service.act("ban", user, { ...by, ...(reason ? { reason } : {}) });
    assert.equal(result.ok, false, `${user.slice(0, 20)} ${String(reason).slice(0, 10)}`);
  }
  assert.deepEqual(w.sent, []);
  assert.deepEqual(w.audit, []);
  assert.deepEqual(memberActionOutcome(await w.service.act("kick", BOT, by)), {
    ok: false,
    error: "anteroom does not kick itself",
  });
});

test("each room's outcome is reported and audited with who asked through what", async () => {
  const w = world((roomId) =>
    roomId === "!b:example.org" ? new HomeserverError("M_FORBIDDEN: no", false) : undefined,
  );
  const result = await w.service.act("ban", "@spam:evil.org", {
    reason: "links",
    by: "mod-alice",
    via: "admin-api",
  });
  assert.deepEqual(w.sent, ["ban @spam:evil.org links"]);
  assert.equal(
    describeMemberAction(result),
    "banned @spam:evil.org in 2 of 3 rooms; !b:example.org: M_FORBIDDEN: no",
  );
  assert.equal(memberActionOutcome(result).ok, false);
  assert.deepEqual(w.audit, [
    {
      ts: 1_800_000_000,
      type: "user_banned",
      user: "@spam:evil.org",
      by: "mod-alice",
      via: "admin-api",
      reason: "links",
      rooms: ROOMS.slice(0, 2),
      failed: ["!b:example.org"],
    },
  ]);
});

test("a homeserver that answered no room says to try again", async () => {
  const w = world(() => new HomeserverError("fetch failed", true));
  const result = await w.service.act("unban", "@spam:evil.org", { by: "mod", via: "chat" });
  assert.deepEqual(memberActionOutcome(result), {
    ok: false,
    error: "the homeserver did not answer; try again: fetch failed",
  });
});
