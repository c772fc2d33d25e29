/** The screening at the doors: what a blocklist or policy hit does to a knock, and the watchdog. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decideKnock } from "../../core/vetting/knocks.js";
import { step } from "../../core/vetting/record.js";
import { denyReasons } from "../../core/challenge/messages.js";
import { applyPolicyEvent } from "../../core/moderation/policy-rules.js";
import { BlocklistStore } from "../../src/store/blocklist-store.js";
import { Screening } from "../../src/moderation/screening.js";
import { Watchdog } from "../../src/moderation/watchdog.js";
import type { RoomMember } from "../../src/matrix/moderation-port.js";
import { settings } from "./engine-fixtures.js";

async function screening(patterns: string[]): Promise<Screening> {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-screening-"));
  const store = await BlocklistStore.open(join(dir, "blocklist.json"));
  for (const pattern of patterns) assert.ok(store.add(pattern, { nowMs: 0 }).ok);
  return new Screening(store);
}

const knock = (user: string) => ({
  key: `$knock-${user}`,
  user,
  reason: "WELCOME",
  knockedAt: 1_000_000,
});
const codes = { WELCOME: { uses_remaining: 5, label: "launch" } };
const challenge = () => ({ topic: "rain", keyword: "cloud" });

test("a blocked user's knock with a valid code is denied neutrally and charges nothing", async () => {
  const { screen } = await screening(["@spammer:evil.org"]);
  for (const user of ["@spammer:evil.org", "@5pamm3r:evil.org", "@spammer2:evil.org"]) {
    const hit = screen({ userId: user });
    const decision = decideKnock(
      knock(user),
      codes,
      undefined,
      challenge,
      settings,
      undefined,
      hit,
    );
    assert.equal(decision.step.record.phase, "denied", user);
    assert.equal(decision.codes, undefined, `${user}: no code charged`);
    const deny = decision.step.record.outbox.find((p) => p.effect.kind === "denyKnock");
    assert.deepEqual(deny?.effect, { kind: "denyKnock", user, reason: denyReasons.blocked });
    const audit = decision.step.audit.find((a) => a.type === "knock_blocked");
    assert.match(String(audit?.explanation), /spammer:evil\.org/);
  }
  assert.doesNotMatch(denyReasons.blocked, /block|list|spam|ban/i);
});

test("a one-letter neighbour of a blocked name is held for a moderator, not denied", async () => {
  const { screen } = await screening(["@marketing:example.org"]);
  const hit = screen({ userId: "@marketeng:example.org" });
  assert.ok(hit?.guess, "an edit-distance match is a guess");
  const decision = decideKnock(
    knock("@marketeng:example.org"),
    codes,
    undefined,
    challenge,
    settings,
    undefined,
    hit,
  );
  assert.equal(decision.step.record.phase, "held");
  assert.equal(decision.codes, undefined);
  assert.equal(
    screen({ userId: "@marketing:other.org" }),
    undefined,
    "another server is another person",
  );
});

test("a near miss held for a moderator and never decided is turned away in neutral words, not as 'no code'", async () => {
  const { screen } = await screening(["@marketing:example.org"]);
  const held = decideKnock(
    knock("@marketeng:example.org"),
    codes,
    undefined,
    challenge,
    settings,
    undefined,
    screen({ userId: "@marketeng:example.org" }),
  ).step.record;
  const after = step(held, { type: "tick", now: (held.holdUntil ?? 0) + 1 }, settings);
  assert.equal(after.record.phase, "denied");
  const denial = after.record.outbox.find((pending) => pending.effect.kind === "denyKnock");
  assert.deepEqual(denial?.effect, {
    kind: "denyKnock",
    user: "@marketeng:example.org",
    reason: denyReasons.blocked,
  });
  assert.deepEqual(
    after.audit.map((entry) => entry.reason),
    ["screened_expired"],
  );

  // A knock with no code at all still hears why.
  const silent = decideKnock(
    { ...knock("@quiet:example.org"), reason: "" },
    codes,
    undefined,
    challenge,
    settings,
  ).step.record;
  const lapsed = step(silent, { type: "tick", now: (silent.holdUntil ?? 0) + 1 }, settings);
  assert.deepEqual(
    lapsed.record.outbox.find((pending) => pending.effect.kind === "denyKnock")?.effect,
    { kind: "denyKnock", user: "@quiet:example.org", reason: denyReasons.no_code_expired },
  );
});

test("policy rules screen after the blocklist, with the list named for moderators", async () => {
  const s = await screening([]);
  assert.equal(s.screen({ userId: "@bot123:spam.example" }), undefined);
  s.policyRules = applyPolicyEvent(s.policyRules, "!list:example.org", {
    type: "m.policy.rule.server",
    state_key: "r1",
    content: { entity: "spam.example", recommendation: "m.ban", reason: "spam" },
  });
  const hit = s.screen({ userId: "@bot123:spam.example" });
  assert.equal(hit?.source, "policy");
  assert.match(hit.explanation, /!list:example\.org/);
});

function fakePort(members: RoomMember[], levels: Record<string, number> = {}) {
  const kicked: string[] = [];
  return {
    kicked,
    port: {
      userId: "@bot:example.org",
      members: async () => members,
      kick: async (rooms: readonly string[], user: string) => {
        kicked.push(user);
        return rooms.map((roomId) => ({ roomId, ok: true as const }));
      },
      ban: async () => [],
      readPowerLevels: async (roomId: string) => ({
        roomId,
        content: { users: levels },
        roomVersion: "11",
      }),
    },
  };
}

test("the watchdog kicks a blocked member once, spares moderators, the bot and guesses", async () => {
  const { screen } = await screening([
    "@spammer:evil.org",
    "@moderator:evil.org",
    "@bot:example.org",
    "@marketing:example.org",
  ]);
  const join = (userId: string): RoomMember => ({ userId, membership: "join" });
  const { port, kicked } = fakePort(
    [
      join("@spammer:evil.org"),
      join("@moderator:evil.org"),
      join("@bot:example.org"),
      join("@marketeng:example.org"),
      join("@alice:example.org"),
    ],
    { "@moderator:evil.org": 50 },
  );
  const audit: Record<string, unknown>[] = [];
  const notices: string[] = [];
  const watchdog = new Watchdog({
    port,
    screen,
    rooms: ["!space:example.org", "!child:example.org"],
    action: "kick",
    protectedLevel: 50,
    audit: { append: async (entry) => void audit.push(entry) },
    log: { info() {}, warn() {}, error() {}, debug() {} } as never,
    notify: async (text) => void notices.push(text),
  });
  await watchdog.check();
  await watchdog.check();
  assert.deepEqual(kicked, ["@spammer:evil.org"]);
  const hits = audit.filter((a) => a.type === "watchdog_hit");
  assert.deepEqual(
    hits.map((h) => [h.user, h.action]),
    [
      ["@spammer:evil.org", "kick"],
      ["@marketeng:example.org", "report"],
    ],
  );
  assert.equal(notices.length, 2, "each member is flagged once, not on every pass");
});
