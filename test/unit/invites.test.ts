// Pending invites: the welcome when the person joins, a reminder, withdrawal on expiry.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DEFAULT_INVITE_SETTINGS,
  dueInviteActions,
  welcomeMessage,
  type InviteBook,
} from "../../core/invites.js";
import { settings, World } from "./engine-fixtures.js";

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;
const book: InviteBook = {
  "@ada:x": { user: "@ada:x", invitedAt: T0, rooms: ["!space:x"], via: "vetting" },
};
const due = (membership: string | undefined, at: number, b: InviteBook = book) =>
  dueInviteActions(b, () => membership, at, DEFAULT_INVITE_SETTINGS).map((a) => a.kind);

test("an unanswered invite is reminded after a day and withdrawn after a week", () => {
  assert.deepEqual(due("invite", T0 + HOUR), []);
  assert.deepEqual(due("invite", T0 + 25 * HOUR), ["remind"]);
  const reminded: InviteBook = { "@ada:x": { ...book["@ada:x"]!, remindedAt: T0 + 25 * HOUR } };
  assert.deepEqual(due("invite", T0 + 26 * HOUR, reminded), [], "one reminder only");
  assert.deepEqual(due("invite", T0 + 7 * 24 * HOUR, reminded), ["withdraw"]);
});

test("a join is welcomed; a decline is forgotten, but not a stale leave from before the invite", () => {
  assert.deepEqual(due("join", T0 + 1000), ["welcome"]);
  assert.deepEqual(due("leave", T0 + 1000), [], "the sync may predate the invite");
  assert.deepEqual(due("leave", T0 + HOUR), ["forget"]);
  assert.deepEqual(due(undefined, T0 + 30 * 24 * HOUR), [], "not in the state: nothing decided");
  assert.deepEqual(due("knock", T0 + 30 * 24 * HOUR), []);
});

test("the welcome names the person by a cleaned display name, or by their id", () => {
  assert.equal(welcomeMessage("@ada:x", "Ada", "hi!"), "welcome, Ada! hi!");
  const hostile = "Ev\u202eil\u0007\n\nName\u001b[31m" + "x".repeat(200);
  const line = welcomeMessage("@eve:x", hostile, "hi!");
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  assert.doesNotMatch(line, /[\u0000-\u001f\u202e]/);
  assert.ok(line.length < 100, "long names are capped");
  assert.equal(welcomeMessage("@bob:x", " \u200b ", "hi!"), "welcome, @bob:x! hi!");
});

const haiku = (keyword: string) =>
  `morning light arrives\nthe ${keyword} waits beside the door\nwe begin again`;

/** A newcomer who passed vetting: the invites went out. */
async function passed(world: World, user: string): Promise<void> {
  world.knock(user, "ABC");
  await world.reconcile();
  await world.reply(user, haiku(world.record(user)?.challenge?.keyword ?? ""));
  // The bot's sync now shows the space invite.
  world.memberships.set(user, "invite");
}

test("a passed newcomer's invite is tracked, and joining the space gets one welcome in the first child room", async () => {
  const world = new World({ ABC: { uses_remaining: 5, label: "" } });
  await passed(world, "@new:example.org");
  assert.deepEqual(
    world.engine.snapshot().invites?.map((i) => i.user),
    ["@new:example.org"],
  );
  world.memberships.set("@new:example.org", "join");
  for (let i = 0; i < 2; i++) {
    await world.engine.reconcileSpace({
      knocks: [],
      membershipOf: (user) => world.memberships.get(user),
      displayNameOf: () => "New Person",
    });
    await world.settle();
  }
  const welcomes = world.matrix
    .ops("sendText")
    .filter(([room, text]) => room === settings.childIds[0] && /welcome/.test(String(text)));
  assert.equal(welcomes.length, 1, "welcomed once");
  assert.match(String(welcomes[0]?.[1]), /^welcome, New Person! /);
  assert.equal(world.audit.filter((a) => a.type === "welcomed").length, 1);
  assert.deepEqual(world.engine.snapshot().invites, []);
});

test("an invite left unanswered is reminded, then withdrawn from the space with a reason", async () => {
  const world = new World({ ABC: { uses_remaining: 5, label: "" } });
  await passed(world, "@slow:example.org");
  world.now += 25 * HOUR;
  await world.reconcile();
  await world.reconcile();
  assert.equal(world.audit.filter((a) => a.type === "invite_reminded").length, 1);
  assert.deepEqual(world.matrix.ops("kick"), []);
  world.now += 7 * 24 * HOUR;
  await world.reconcile();
  const kicks = world.matrix.ops("kick");
  assert.deepEqual(
    kicks.map(([room, user]) => `${String(room)} ${String(user)}`),
    [`${settings.spaceId} @slow:example.org`],
  );
  assert.match(String(kicks[0]?.[2]), /invite expired/);
  assert.equal(world.audit.find((a) => a.type === "invite_withdrawn")?.user, "@slow:example.org");
  assert.deepEqual(world.engine.snapshot().invites, []);
});

test("a withdrawal that fails stays due and is done on a later pass", async () => {
  const world = new World({ ABC: { uses_remaining: 5, label: "" } });
  await passed(world, "@slow:example.org");
  world.now += 8 * 24 * HOUR;
  world.matrix.failures.set("kick", [new Error("homeserver down")]);
  await world.reconcile();
  assert.equal(
    world.audit.find((a) => a.type === "invite_withdrawn"),
    undefined,
  );
  await world.reconcile();
  assert.equal(world.audit.find((a) => a.type === "invite_withdrawn")?.user, "@slow:example.org");
});
