import "./ci-off.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import type { MemberAction, MemberLevels, ModerationApi } from "../../core/moderation-api.js";
import type { World } from "../unit/engine-fixtures.js";
import { haikuWith } from "../../src/devserver/newcomer-flow.js";
import { openConsole } from "./console-harness.js";

const SPACE = "!space:example.org";

/**
 * Members and kick / ban / unban in memory, recording every call. A ban or a
 * kick reaches the World's memberships as the homeserver's would, so the
 * engine sees a banned knock go, as it does after a sync.
 */
class FakeModeration implements ModerationApi {
  people: MemberLevels[] = [
    { user: "@bob:example.org", displayName: "Bob", levels: { [SPACE]: 0 } },
    { user: "@carol:example.org", levels: { [SPACE]: 50 } },
  ];
  readonly calls: string[] = [];
  world: World | undefined;

  blocklist = async () => [];
  addBlock = async () => ({ ok: false, error: "not in this test" }) as const;
  removeBlock = async () => ({ ok: false, error: "not in this test" }) as const;
  members = async () => this.people;
  roles = async () => [{ name: "member", level: 0 }];
  setRole = async () => ({ ok: false, error: "not in this test" }) as const;
  demote = async () => ({ ok: false, error: "not in this test" }) as const;
  registrationTokens = async () => ({ ok: false, error: "not in this test" }) as const;
  issueToken = async () => ({ ok: false, error: "not in this test" }) as const;
  revokeToken = async () => ({ ok: false, error: "not in this test" }) as const;
  endorsements = async () => ({ ok: false, error: "not in this test" }) as const;
  revokeCodesOf = async () => ({ ok: false, error: "not in this test" }) as const;
  async memberAction(user: string, action: MemberAction, reason: string | undefined, by: string) {
    this.calls.push(`${action} ${user} ${reason ?? "-"} ${by}`);
    if (action !== "unban") {
      this.people = this.people.filter((m) => m.user !== user);
      if (this.world) {
        this.world.memberships.set(user, action === "ban" ? "ban" : "leave");
        await this.world.reconcile();
      }
    }
    const past = { kick: "kicked", ban: "banned", unban: "unbanned" }[action];
    return { ok: true, summary: `${past} ${user} in 3 of 3 rooms` } as const;
  }
}

test("b on a knock asks for a reason, confirms with Cancel focused, bans, and the knock closes as banned", async (t) => {
  const moderation = new FakeModeration();
  const c = openConsole(t, { moderation });
  moderation.world = c.world;
  c.world.knock("@spammer:evil.example", "");
  await c.world.reconcile();
  await c.waitFor("the held knock", (f) => /held\s+@spammer:evil\.example/.test(f));
  c.press("b");
  await c.waitForText("reason for the ban of @spammer:evil.example (optional)");
  c.type("link spam");
  c.press("enter");
  const frame = await c.waitForText("Ban @spammer:evil.example?");
  assert.match(frame, /Reason: link spam/);
  // Enter out of habit lands on Cancel: nothing happens.
  c.press("enter");
  await c.waitForText("cancelled");
  assert.deepEqual(moderation.calls, []);

  c.press("b");
  await c.waitForText("reason for the ban");
  c.type("link spam");
  c.press("enter");
  await c.waitForText("Ban @spammer:evil.example?");
  c.press("tab", "enter");
  await c.waitForText("banned @spammer:evil.example in 3 of 3 rooms");
  assert.deepEqual(moderation.calls, ["ban @spammer:evil.example link spam mod-alice"]);
  await c.until(
    "the knock to close",
    () => c.world.record("@spammer:evil.example")?.outcome === "banned",
  );
  // The knock's row (not the notice, which says "banned … in 3 of 3 rooms").
  await c.waitFor("the knock shown as banned", (f) =>
    f.split("\n").some((l) => /banned\s+@spammer:evil\.example\s+none/.test(l)),
  );
});

test(":ban with a reason skips the prompt and goes straight to the confirmation", async (t) => {
  const moderation = new FakeModeration();
  const c = openConsole(t, { moderation });
  c.world.knock("@troll:evil.example", "");
  await c.world.reconcile();
  await c.waitForText("@troll:evil.example");
  c.press(":");
  c.type("ban harassment of members");
  c.press("enter");
  const frame = await c.waitForText("Ban @troll:evil.example?");
  assert.match(frame, /Reason: harassment of members/);
  c.press("tab", "enter");
  await c.waitForText("banned @troll:evil.example");
  assert.deepEqual(moderation.calls, ["ban @troll:evil.example harassment of members mod-alice"]);
});

test("members: K kicks and b bans the selected member, each after a Cancel-focused confirmation", async (t) => {
  const moderation = new FakeModeration();
  const c = openConsole(t, { moderation });
  c.press("9");
  await c.waitForText("@carol:example.org");
  c.press("K");
  await c.waitForText("reason for the kick of @bob:example.org");
  c.press("enter");
  const frame = await c.waitForText("Kick @bob:example.org?");
  assert.match(frame, /No reason given/);
  c.press("tab", "enter");
  await c.waitForText("kicked @bob:example.org in 3 of 3 rooms");
  await c.waitFor(
    "bob gone from the list",
    (f) => /Members 1\b/.test(f) && !/@bob:example\.org\s+Bob/.test(f),
  );

  c.press("b");
  await c.waitForText("reason for the ban of @carol:example.org");
  c.type("raid");
  c.press("enter");
  await c.waitForText("Ban @carol:example.org?");
  c.press("esc");
  await c.waitForText("cancelled");
  assert.deepEqual(moderation.calls, ["kick @bob:example.org - mod-alice"]);
  c.press("b");
  c.type("raid");
  c.press("enter");
  await c.waitForText("Ban @carol:example.org?");
  c.press("tab", "enter");
  await c.waitForText("banned @carol:example.org");
  assert.deepEqual(moderation.calls, [
    "kick @bob:example.org - mod-alice",
    "ban @carol:example.org raid mod-alice",
  ]);
});

test(":unban lifts a ban from the Blocklist view; U on Members asks whom to unban", async (t) => {
  const moderation = new FakeModeration();
  const c = openConsole(t, { moderation });
  c.press("8");
  await c.waitForText("Blocklist");
  c.press(":");
  c.type("unban @spammer:evil.example appealed by mail");
  c.press("enter");
  await c.waitForText("unbanned @spammer:evil.example in 3 of 3 rooms");
  c.press("9");
  await c.waitForText("@carol:example.org");
  c.press("U");
  await c.waitForText("unban which user");
  c.type("@troll:evil.example");
  c.press("enter");
  await c.waitForText("unbanned @troll:evil.example");
  assert.deepEqual(moderation.calls, [
    "unban @spammer:evil.example appealed by mail mod-alice",
    "unban @troll:evil.example - mod-alice",
  ]);
});

test("read-only: ban, kick and unban are refused with the reason, and nothing is called", async (t) => {
  const moderation = new FakeModeration();
  const c = openConsole(t, { moderation, readonly: true });
  c.world.knock("@held:example.org", "");
  await c.world.reconcile();
  await c.waitForText("@held:example.org");
  c.press("b");
  await c.waitForText("can't ban: read-only");
  c.press("9");
  await c.waitForText("@carol:example.org");
  c.press("K");
  await c.waitForText("can't kick: read-only");
  c.press("b");
  await c.waitForText("can't ban: read-only");
  c.press(":");
  c.type("unban @x:example.org");
  c.press("enter");
  await c.waitForText("can't unban: read-only");
  assert.deepEqual(moderation.calls, []);
});

test("without moderation, b on a knock says it is not available", async (t) => {
  const c = openConsole(t);
  c.world.knock("@held:example.org", "");
  await c.world.reconcile();
  await c.waitForText("@held:example.org");
  c.press("b");
  await c.waitForText("can't ban: not available in this console");
});

test("members: the hint bar at 80 columns offers ban and kick", async (t) => {
  const moderation = new FakeModeration();
  const c = openConsole(t, { moderation });
  c.press("9");
  const frame = await c.waitForText("@carol:example.org");
  const bar = frame.split("\n").at(-1) ?? "";
  assert.match(bar, /b ban .*K kick/);
  for (const line of frame.split("\n")) assert.ok([...line].length <= 80, `too wide: ${line}`);
});

test("the Members list follows the engine: a newcomer who accepts the invite shows up without a key", async (t) => {
  const moderation = new FakeModeration();
  const c = openConsole(t, { moderation, codes: { ABC: { uses_remaining: 5, label: "" } } });
  const user = "@newt:example.org";
  c.press("9");
  await c.waitForText("@carol:example.org");
  c.world.knock(user, "ABC");
  await c.world.reconcile();
  await c.world.reply(user, haikuWith(c.world.record(user)?.challenge?.keyword ?? "?"));
  // The homeserver's side: Newt joined the space, so the daemon's member list has them.
  moderation.people = [...moderation.people, { user, displayName: "Newt", levels: { [SPACE]: 0 } }];
  c.world.memberships.set(user, "join");
  await c.world.reconcile();
  await c.waitForText(user);
});
