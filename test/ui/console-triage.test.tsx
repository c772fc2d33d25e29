import "./ci-off.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { HomeserverError } from "../../core/ports.js";
import { World, forbidden } from "../unit/engine-fixtures.js";
import { openConsole, type ConsoleHarness } from "./console-harness.js";

const NEW = "@new:example.org";

test("Triage is empty when nothing is stuck, and says what it looks for", async (t) => {
  const c = openConsole(t, { columns: 120 });
  c.press("7");
  const frame = await c.waitForText("Triage 0");
  assert.match(frame, /Nothing is stuck: .*no unanswered invites/);
});

test("a held knock shows with its fix; f sends it to vetting (a room, no code charged)", async (t) => {
  const c = openConsole(t, { columns: 120 });
  c.world.knock("@nocode:example.org", "");
  await c.world.reconcile();
  c.press("7");
  const frame = await c.waitForText("Triage 1");
  assert.match(frame, /› held\s+now\s+@nocode:example\.org\s+no code given.*v to vetting/);
  c.press("f");
  await c.waitForText("sent @nocode:example.org to vetting");
  await c.world.settle();
  const record = c.world.record("@nocode:example.org");
  assert.equal(record?.phase, "open");
  assert.ok(record?.challenge?.keyword);
  assert.equal(c.world.codes.value.ABC?.uses_remaining, 5);
  assert.equal(c.world.matrix.ops("createVettingRoom").length, 1);
  await c.waitForText("Triage 0");
});

test("a room where nobody answered for 30 minutes shows as silent; f nudges with a new challenge", async (t) => {
  const c = openConsole(t, { columns: 120 });
  c.world.knock(NEW, "ABC");
  await c.world.reconcile();
  c.press("7");
  await c.waitForText("Triage 0");
  await c.world.advance(31 * 60_000);
  c.press("g"); // any key reads the clock again
  const frame = await c.waitForText("Triage 1");
  assert.match(
    frame,
    /› silent\s+31 min ago\s+@new:example\.org\s+no reply to the challenge yet\s+R nudge/,
  );
  c.press("f");
  await c.waitForText(`posted a new challenge for ${NEW}`);
  assert.ok(c.world.audit.some((a) => a.type === "vetting_reposted"));
  await c.waitForText("Triage 0");
});

test("an effect the engine keeps retrying shows with its error; c closes the room (asks first)", async (t) => {
  const c = openConsole(t, { columns: 140 });
  const outage = () => new HomeserverError("Service Unavailable", true, 60_000, "M_UNKNOWN");
  c.world.matrix.failures.set("createVettingRoom", [outage(), outage(), outage()]);
  c.world.knock(NEW, "ABC");
  await c.world.reconcile();
  c.press("7");
  const frame = await c.waitForText("retrying");
  assert.match(frame, /createVettingRoom retried 1×, next in \d+ s: Service/);
  assert.match(frame, /c close/);
  c.press("f");
  await c.waitForText(`Close the vetting room of ${NEW}?`);
  c.press("right", "enter");
  await c.waitForText(`closed the vetting room of ${NEW}`);
  assert.equal(c.world.record(NEW)?.phase, "withdrawn");
});

test("an invite that failed for good after a pass shows as failed; f invites again", async (t) => {
  const c = openConsole(t, { columns: 140 });
  c.world.matrix.failures.set("invite", [forbidden()]);
  c.world.knock("@held:example.org", "");
  await c.world.reconcile();
  c.press("a");
  await c.waitForText("approved @held:example.org");
  await c.world.settle();
  c.press("7");
  const frame = await c.waitForText("failed");
  assert.match(frame, /gave up: admitToCommunity: You are banned from this room/);
  assert.match(frame, /i re-invite/);
  const invitesBefore = c.world.matrix.ops("invite").length;
  c.press("f");
  await c.waitForText("invited @held:example.org again");
  await c.world.settle();
  assert.ok(c.world.matrix.ops("invite").length > invitesBefore);
  assert.ok(c.world.audit.some((a) => a.type === "reinvited" && a.by === "mod-alice"));
});

test("a pass held back by a join wave waits in Triage; f lets the person in", async (t) => {
  const world = new World({ ABC: { uses_remaining: 5, label: "friends" } });
  world.knock(NEW, "ABC");
  await world.reconcile();
  const record = world.record(NEW);
  assert.ok(record);
  // What the engine records when a haiku passes while a join wave pauses auto-approval.
  world.vetting.value[record.key] = { ...record, phase: "awaiting_moderator" };
  const c = openConsole(t, { world, columns: 140 });
  c.press("7");
  const frame = await c.waitForText("Triage 1");
  assert.match(frame, /awaiting\s+.*@new:example\.org\s+passed during a join wave.*a approve/);
  c.press("f");
  await c.waitForText(`approved ${NEW}`);
  await c.until("the invite", () => world.matrix.ops("invite").some(([, user]) => user === NEW));
});

const haiku = (keyword: string) =>
  `morning light arrives\nthe ${keyword} waits beside the door\nwe begin again`;

/** A newcomer who passed and was invited, and has not answered the invite for a day. */
async function unanswered(c: ConsoleHarness, user: string): Promise<void> {
  c.world.knock(user, "ABC");
  await c.world.reconcile();
  await c.world.reply(user, haiku(c.world.record(user)?.challenge?.keyword ?? ""));
  c.world.memberships.set(user, "invite"); // what the bot's sync now shows in the space
  await c.world.reconcile();
  c.world.now += 25 * 3_600_000;
  await c.world.reconcile(); // the engine's reminder comes due
}

test("an invite nobody answered shows with who, since when, via what; f withdraws it after a confirm that starts on Cancel", async (t) => {
  const c = openConsole(t, { columns: 160 });
  await unanswered(c, "@slow:example.org");
  c.press("7");
  const frame = await c.waitForText("Triage 1");
  assert.match(
    frame,
    /› unanswered\s+1 d ago\s+@slow:example\.org\s+invite not accepted \(via vetting; space \+ 2 rooms\), reminded now\s+w withdraw/,
  );
  c.press("f");
  await c.waitForText("Withdraw the invite of @slow:example.org?");
  c.press("enter"); // Cancel has the focus: Enter out of habit withdraws nothing
  await c.waitForText("cancelled");
  assert.deepEqual(c.world.matrix.ops("withdrawInvite"), []);
  c.press("f");
  await c.waitForText("Withdraw the invite of @slow:example.org?");
  c.press("right", "enter");
  await c.waitForText("withdrew the invite of @slow:example.org");
  assert.deepEqual(
    c.world.matrix.ops("withdrawInvite").map(([room]) => room),
    ["!space:example.org", "!child1:example.org", "!child2:example.org"],
  );
  const audit = c.world.audit.find((a) => a.type === "invite_withdrawn");
  assert.equal(audit?.by, "mod-alice");
  await c.waitForText("Triage 0");
});

test("an invite answered while it is listed leaves Triage live; w on another row says why not", async (t) => {
  const c = openConsole(t, { columns: 160 });
  await unanswered(c, "@late:example.org");
  c.world.knock("@nocode:example.org", "");
  await c.world.reconcile();
  c.press("7");
  await c.waitForText("Triage 2");
  c.press("g", "w"); // the held knock is first: not an invite
  await c.waitForText("can't withdraw: no unanswered invite selected");
  c.press("j", "enter"); // the invite's row: there is no room to open
  await c.waitForText("can't open: not for an invite");
  c.world.memberships.set("@late:example.org", "join");
  await c.world.reconcile();
  const frame = await c.waitForText("Triage 1");
  assert.doesNotMatch(frame, /unanswered/);
});

test("w on a passed knock whose invite is unanswered withdraws it from the Knocks view too", async (t) => {
  const c = openConsole(t, { columns: 160 });
  await unanswered(c, "@second-thoughts:example.org");
  c.press("1");
  await c.waitFor("the passed knock selected", (f) => /› .*passed\s+@second-thoughts/.test(f));
  c.press("w");
  await c.waitForText("Withdraw the invite of @second-thoughts:example.org?");
  c.press("right", "enter");
  await c.waitForText("withdrew the invite of @second-thoughts:example.org");
  assert.equal(c.world.matrix.ops("withdrawInvite").length, 3);
  c.press("w"); // nothing left to withdraw
  await c.waitForText("can't withdraw: no unanswered invite selected");
});

test("read-only: the withdraw fix is refused with the reason", async (t) => {
  const c = openConsole(t, { columns: 160, readonly: true });
  await unanswered(c, "@slow:example.org");
  c.press("7");
  await c.waitForText("unanswered");
  c.press("f");
  await c.waitForText("read-only");
  assert.deepEqual(c.world.matrix.ops("withdrawInvite"), []);
});

test("a command the bot could not decrypt shows in Triage, with who sent the last one", async (t) => {
  const c = openConsole(t, {
    columns: 200,
    health: async () => ({
      ok: true,
      body: {
        status: "ok",
        sync: "SYNCING",
        last_sync_ms_ago: 1000,
        encryption: {
          on: true,
          undecryptable: 1,
          last: { at: c.world.now, sender: "@mod:example.org" },
        },
      },
    }),
  });
  c.press("7");
  const frame = await c.waitForText("Triage 1", 10_000);
  assert.match(
    frame,
    /› unreadable\s+now\s+@mod:example\.org\s+1 message\(s\) in the operator room could not be decrypted/,
  );
});
