// Pending invites: the welcome when the person joins, a reminder, withdrawal on expiry.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DEFAULT_INVITE_SETTINGS,
  dueInviteActions,
  welcomeMessage,
  type InviteBook,
} from "../../core/admission/invites.js";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openInviteBook } from "../../src/store/wave-and-invite-books.js";
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
  assert.equal(welcomes[0]?.[3], "@new:example.org", "it mentions the newcomer and nobody else");
  assert.equal(world.audit.filter((a) => a.type === "welcomed").length, 1);
  assert.deepEqual(world.engine.snapshot().invites, []);
});

test("an invite left unanswered is reminded, then withdrawn from the space and every child room with a reason", async () => {
  const world = new World({ ABC: { uses_remaining: 5, label: "" } });
  await passed(world, "@slow:example.org");
  world.now += 25 * HOUR;
  await world.reconcile();
  await world.reconcile();
  assert.equal(world.audit.filter((a) => a.type === "invite_reminded").length, 1);
  assert.deepEqual(world.matrix.ops("withdrawInvite"), []);
  world.now += 7 * 24 * HOUR;
  await world.reconcile();
  const withdrawals = world.matrix.ops("withdrawInvite");
  assert.deepEqual(
    withdrawals.map(([room, user]) => `${String(room)} ${String(user)}`),
    [settings.spaceId, ...settings.childIds].map((room) => `${room} @slow:example.org`),
  );
  assert.match(String(withdrawals[0]?.[2]), /invite expired/);
  const audit = world.audit.find((a) => a.type === "invite_withdrawn");
  assert.equal(audit?.user, "@slow:example.org");
  assert.equal(audit?.reason, "expired");
  assert.deepEqual(audit?.rooms, [settings.spaceId, ...settings.childIds]);
  assert.deepEqual(world.engine.snapshot().invites, []);
});

test("a withdrawal that fails stays due and is done on a later pass", async () => {
  const world = new World({ ABC: { uses_remaining: 5, label: "" } });
  await passed(world, "@slow:example.org");
  world.now += 8 * 24 * HOUR;
  world.matrix.failures.set("withdrawInvite", [new Error("homeserver down")]);
  await world.reconcile();
  assert.equal(
    world.audit.find((a) => a.type === "invite_withdrawn"),
    undefined,
  );
  await world.reconcile();
  assert.equal(world.audit.find((a) => a.type === "invite_withdrawn")?.user, "@slow:example.org");
});

test("a child room the person already joined is left alone; the audit names only the rooms withdrawn", async () => {
  const world = new World({ ABC: { uses_remaining: 5, label: "" } });
  await passed(world, "@half:example.org");
  world.matrix.notInvited.add(`${settings.childIds[0]} @half:example.org`);
  world.now += 8 * 24 * HOUR;
  await world.reconcile();
  assert.deepEqual(world.audit.find((a) => a.type === "invite_withdrawn")?.rooms, [
    settings.spaceId,
    settings.childIds[1],
  ]);
});

test("a moderator withdraws a pending invite at once, audited with their name; the stream says it is gone", async () => {
  const world = new World({ ABC: { uses_remaining: 5, label: "" } });
  await passed(world, "@new:example.org");
  const seen: unknown[] = [];
  world.engine.subscribe((event) => {
    if (event.type === "invites") seen.push(event.invites.map((i) => i.user));
  });
  const result = await world.engine.withdrawInvite("@new:example.org", "mod-ann");
  assert.deepEqual(result, { ok: true });
  assert.deepEqual(
    world.matrix
      .ops("withdrawInvite")
      .map(([room, , reason]) => [room, /moderator/.test(String(reason))]),
    [settings.spaceId, ...settings.childIds].map((room) => [room, true]),
  );
  const audit = world.audit.find((a) => a.type === "invite_withdrawn");
  assert.equal(audit?.by, "mod-ann");
  assert.equal(audit?.reason, "moderator");
  assert.deepEqual(world.engine.snapshot().invites, []);
  assert.deepEqual(seen, [[]]);
  // Nothing is pending any more: a second withdrawal is refused and touches nothing.
  const again = await world.engine.withdrawInvite("@new:example.org", "mod-ann");
  assert.equal(again.ok, false);
  assert.equal(world.matrix.ops("withdrawInvite").length, 3);
});

test("an invite the person answered meanwhile is not withdrawn by hand, and stays for the next reconcile", async () => {
  const world = new World({ ABC: { uses_remaining: 5, label: "" } });
  await passed(world, "@quick:example.org");
  world.matrix.notInvited.add(`${settings.spaceId} @quick:example.org`);
  const result = await world.engine.withdrawInvite("@quick:example.org", "mod-ann");
  assert.equal(result.ok, false);
  assert.deepEqual(world.matrix.ops("withdrawInvite").length, 1, "the child rooms are not touched");
  assert.equal(
    world.audit.find((a) => a.type === "invite_withdrawn"),
    undefined,
  );
  assert.deepEqual(
    world.engine.snapshot().invites?.map((i) => i.user),
    ["@quick:example.org"],
  );
});

test("every change of the pending invites is published: sent, reminded, answered", async () => {
  const world = new World({ ABC: { uses_remaining: 5, label: "" } });
  const seen: string[] = [];
  world.engine.subscribe((event) => {
    if (event.type === "invites")
      seen.push(event.invites.map((i) => `${i.user}${i.remindedAt ? " reminded" : ""}`).join());
  });
  await passed(world, "@ada:example.org");
  world.now += 25 * HOUR;
  await world.reconcile();
  world.memberships.set("@ada:example.org", "join");
  await world.reconcile();
  assert.deepEqual(seen, ["@ada:example.org", "@ada:example.org reminded", ""]);
});

test("a withdrawal cut short after the space is finished in the child rooms on a later pass, though the space now shows leave", async () => {
  const world = new World({ ABC: { uses_remaining: 5, label: "" } });
  await passed(world, "@slow:example.org");
  const real = world.matrix.withdrawInvite.bind(world.matrix);
  let calls = 0;
  world.matrix.withdrawInvite = async (room, user, reason) => {
    if (++calls === 2) throw new Error("homeserver down"); // the first child room
    return real(room, user, reason);
  };
  const before = world.now;
  await world.engine.withdrawInvite("@slow:example.org", "mod-ann").then(
    () => assert.fail("a homeserver failure rejects"),
    (error: Error) => assert.match(error.message, /homeserver down/),
  );
  assert.equal(
    world.audit.find((a) => a.type === "invite_withdrawn"),
    undefined,
  );
  // The space invite is gone now, and the sync shows it, long after the invite.
  world.matrix.notInvited.add(`${settings.spaceId} @slow:example.org`);
  world.memberships.set("@slow:example.org", "leave");
  world.now = before + 2 * HOUR;
  await world.reconcile();
  const withdrawn = world.matrix.ops("withdrawInvite").map(([room]) => room);
  assert.deepEqual(withdrawn.slice(-2), settings.childIds, "both child rooms in the end");
  const audit = world.audit.find((a) => a.type === "invite_withdrawn");
  assert.equal(audit?.by, "mod-ann", "finished as the moderator's withdrawal");
  assert.equal(
    world.audit.find((a) => a.type === "invite_closed"),
    undefined,
  );
  assert.deepEqual(world.engine.snapshot().invites, []);
});

test("a withdrawal under way is kept in invites.json and read back after a restart", async () => {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-invites-"));
  const path = join(dir, "invites.json");
  const invite = {
    user: "@slow:example.org",
    invitedAt: T0,
    rooms: ["!space:x", "!chat:x"],
    via: "vetting",
    withdrawing: { reason: "moderator", by: "mod-ann" },
  };
  await writeFile(path, JSON.stringify({ [invite.user]: invite }));
  const store = await openInviteBook(path);
  try {
    assert.deepEqual(store.value[invite.user], invite);
  } finally {
    await store.close();
  }
});
