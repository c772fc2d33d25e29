import "./ci-off.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import type { BlockEntry } from "../../core/moderation/blocklist.js";
import type { MemberLevels, ModerationApi } from "../../core/moderation-api.js";
import { openConsole } from "./console-harness.js";

const SPACE = "!space:example.org";
const ROOM = "!general:example.org";

/** The blocklist and members in memory, recording who changed what. */
class FakeModeration implements ModerationApi {
  entries: BlockEntry[] = [
    { pattern: "@spammer:bad.example", kind: "user", reason: "spam", added_by: "@mod:example.org" },
  ];
  people: MemberLevels[] = [
    { user: "@bob:example.org", displayName: "Bob", levels: { [SPACE]: 0, [ROOM]: 0 } },
    { user: "@carol:example.org", levels: { [SPACE]: 50, [ROOM]: 50 } },
  ];
  readonly calls: string[] = [];

  blocklist = async () => this.entries;
  async addBlock(pattern: string, reason: string | undefined, by: string) {
    this.calls.push(`add ${pattern} ${reason ?? "-"} ${by}`);
    if (!pattern.includes(":")) return { ok: false, error: "not a user ID" } as const;
    this.entries = [...this.entries, { pattern, kind: "user", ...(reason ? { reason } : {}) }];
    return { ok: true, summary: `blocked ${pattern} (user)` } as const;
  }
  async removeBlock(pattern: string, by: string) {
    this.calls.push(`remove ${pattern} ${by}`);
    this.entries = this.entries.filter((e) => e.pattern !== pattern);
    return { ok: true, summary: `unblocked ${pattern}` } as const;
  }
  members = async () => this.people;
  roles = async () => [
    { name: "member", level: 0 },
    { name: "moderator", level: 50 },
    { name: "admin", level: 100 },
  ];
  private setLevel(user: string, level: number) {
    this.people = this.people.map((m) =>
      m.user === user ? { ...m, levels: { [SPACE]: level, [ROOM]: level } } : m,
    );
  }
  async setRole(user: string, role: string, by: string) {
    this.calls.push(`role ${user} ${role} ${by}`);
    this.setLevel(user, (await this.roles()).find((r) => r.name === role)?.level ?? 0);
    return { ok: true, summary: `made ${user} ${role}` } as const;
  }
  async demote(user: string, by: string) {
    this.calls.push(`demote ${user} ${by}`);
    this.setLevel(user, 0);
    return { ok: true, summary: `demoted ${user}` } as const;
  }
  // Homeserver registration tokens are the Codes view's (console-tokens.test.tsx).
  registrationTokens = async () => ({ ok: true, tokens: [] }) as const;
  issueToken = async () => ({ ok: false, error: "not in this test" }) as const;
  revokeToken = async () => ({ ok: false, error: "not in this test" }) as const;
  endorsements = async () => ({ ok: false, error: "not in this test" }) as const;
  revokeCodesOf = async () => ({ ok: false, error: "not in this test" }) as const;
  async memberAction(user: string, action: string, _reason: string | undefined, by: string) {
    this.calls.push(`${action} ${user} ${by}`);
    return { ok: true, summary: `${action} ${user}` } as const;
  }
}

test("blocklist: n asks for a pattern then a reason, and the new entry is listed", async (t) => {
  const moderation = new FakeModeration();
  const c = openConsole(t, { moderation });
  c.press("8");
  await c.waitForText("@spammer:bad.example");
  c.press("n");
  await c.waitForText("block which pattern");
  c.type("@troll:evil.example");
  c.press("enter");
  await c.waitForText("reason for blocking @troll:evil.example");
  c.type("harassment");
  c.press("enter");
  const frame = await c.waitForText("Blocklist 2");
  assert.match(frame, /@troll:evil\.example\s+user\s+harassment/);
  assert.deepEqual(moderation.calls, ["add @troll:evil.example harassment mod-alice"]);
});

test("blocklist: a refused pattern says why and adds nothing", async (t) => {
  const moderation = new FakeModeration();
  const c = openConsole(t, { moderation });
  c.press("8");
  await c.waitForText("Blocklist 1");
  c.press("n");
  c.type("nonsense");
  c.press("enter");
  await c.waitForText("reason for blocking");
  c.press("enter");
  await c.waitForText("refused: not a user ID");
  assert.equal(moderation.entries.length, 1);
});

test("blocklist: d asks with Cancel focused; Enter keeps the entry, confirming removes it", async (t) => {
  const moderation = new FakeModeration();
  const c = openConsole(t, { moderation });
  c.press("8");
  await c.waitForText("@spammer:bad.example");
  c.press("d");
  await c.waitForText("Unblock @spammer:bad.example?");
  c.press("enter");
  await c.waitForText("cancelled");
  assert.equal(moderation.entries.length, 1);
  c.press("d");
  await c.waitForText("Unblock @spammer:bad.example?");
  c.press("tab", "enter");
  await c.waitForText("Nobody is blocked");
  assert.deepEqual(moderation.calls, ["remove @spammer:bad.example mod-alice"]);
});

test("members: each shows its role by name; p gives a role picked from the list", async (t) => {
  const moderation = new FakeModeration();
  const c = openConsole(t, { moderation });
  c.press("9");
  const list = await c.waitForText("@carol:example.org");
  assert.match(list, /@bob:example\.org\s+Bob\s+member/);
  assert.match(list, /@carol:example\.org\s+moderator/);
  c.press("p");
  await c.waitForText("Role for @bob:example.org");
  c.press("down", "down", "enter");
  await c.waitForText("made @bob:example.org admin");
  await c.waitFor("bob listed as admin", (f) => /@bob:example\.org\s+Bob\s+admin/.test(f));
  assert.deepEqual(moderation.calls, ["role @bob:example.org admin mod-alice"]);
});

test("members: D demotes after a Cancel-focused confirmation", async (t) => {
  const moderation = new FakeModeration();
  const c = openConsole(t, { moderation });
  c.press("9");
  await c.waitForText("@carol:example.org");
  c.press("j", "D");
  await c.waitForText("Demote @carol:example.org?");
  c.press("enter");
  await c.waitForText("cancelled");
  assert.deepEqual(moderation.calls, []);
  c.press("D");
  await c.waitForText("Demote @carol:example.org?");
  c.press("tab", "enter");
  await c.waitFor("carol listed as member", (f) => /@carol:example\.org\s+member/.test(f));
  assert.deepEqual(moderation.calls, ["demote @carol:example.org mod-alice"]);
});

test("without moderation both views say not available, and their keys say why", async (t) => {
  const c = openConsole(t);
  c.press("8");
  await c.waitForText("Not available");
  c.press("n");
  await c.waitForText("can't block: not available in this console");
  c.press("9");
  await c.waitForText("Not available");
  c.press("p");
  await c.waitForText("can't promote: not available in this console");
});

test("Matrix strings are sanitized: an escape in a display name never reaches the terminal", async (t) => {
  const moderation = new FakeModeration();
  moderation.people = [
    { user: "@eve:example.org", displayName: "Eve\x1b]0;pwned\x07", levels: { [SPACE]: 0 } },
  ];
  const c = openConsole(t, { moderation });
  c.press("9");
  const frame = await c.waitForText("@eve:example.org");
  assert.ok(!frame.includes("\x1b]0;"), "no OSC sequence on screen");
  assert.ok(!frame.includes("pwned"), "the sequence's payload is removed with it");
});
