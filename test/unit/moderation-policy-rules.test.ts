import assert from "node:assert/strict";
import { test } from "node:test";
import {
  applyPolicyEvent,
  dropPolicyList,
  emptyPolicyRules,
  isPolicyRuleType,
  matchPolicyRules,
  replacePolicyList,
  type PolicyRules,
  type PolicyStateEvent,
} from "../../core/moderation/policy-rules.js";

const LIST = "!banlist:example.org";
const OTHER = "!community-bans:example.net";

function rulesFrom(events: PolicyStateEvent[], listId = LIST): PolicyRules {
  return replacePolicyList(emptyPolicyRules(), listId, events);
}

function banned(rules: PolicyRules, userId: string): string | undefined {
  return matchPolicyRules(rules, { userId })?.explanation;
}

const userRule = (stateKey: string, entity: string, reason = "spam"): PolicyStateEvent => ({
  type: "m.policy.rule.user",
  state_key: stateKey,
  content: { entity, recommendation: "m.ban", reason },
});

test("a user rule's glob bans matching user IDs and says which list and rule", () => {
  const rules = rulesFrom([userRule("rule:1", "@*:evil.org")]);
  assert.equal(banned(rules, "@anyone:evil.org"), `policy list ${LIST}: rule @*:evil.org (spam)`);
  assert.equal(banned(rules, "@anyone:evil.org.example.com"), undefined);
  assert.equal(banned(rules, "@anyone:example.org"), undefined);
  const one = rulesFrom([userRule("x", "@spammer:example.org", "")]);
  assert.equal(
    banned(one, "@spammer:example.org"),
    `policy list ${LIST}: rule @spammer:example.org`,
  );
  assert.equal(banned(one, "@spammer2:example.org"), undefined);
});

test("a server rule bans every user of the matching server, port or not", () => {
  const rules = rulesFrom([
    {
      type: "m.policy.rule.server",
      state_key: "s1",
      content: { entity: "*.evil.org", recommendation: "m.ban", reason: "raids" },
    },
    {
      type: "m.policy.rule.server",
      state_key: "s2",
      content: { entity: "bad.example", recommendation: "m.ban", reason: "" },
    },
  ]);
  assert.equal(
    banned(rules, "@a:chat.evil.org"),
    `policy list ${LIST}: server rule *.evil.org (raids)`,
  );
  assert.equal(
    banned(rules, "@a:evil.org"),
    undefined,
    "*.evil.org does not cover evil.org itself",
  );
  assert.ok(banned(rules, "@a:bad.example:8448"));
  assert.ok(banned(rules, "@a:BAD.example"));
  // A user rule's entity is not a server rule: '@x:bad.example.org' is on another server.
  assert.equal(banned(rules, "@bad.example:good.org"), undefined);
});

test("the legacy Mjolnir and m.room.rule event types and ban recommendation count too", () => {
  const rules = rulesFrom([
    {
      type: "org.matrix.mjolnir.rule.user",
      state_key: "a",
      content: { entity: "@old:x.org", recommendation: "org.matrix.mjolnir.ban", reason: "r" },
    },
    {
      type: "m.room.rule.server",
      state_key: "b",
      content: { entity: "older.org", recommendation: "m.ban", reason: "r" },
    },
    {
      type: "org.matrix.mjolnir.rule.server",
      state_key: "c",
      content: { entity: "oldest.org", recommendation: "org.matrix.mjolnir.ban" },
    },
  ]);
  assert.ok(banned(rules, "@old:x.org"));
  assert.ok(banned(rules, "@a:older.org"));
  assert.ok(banned(rules, "@a:oldest.org"));
  assert.ok(isPolicyRuleType("m.room.rule.user"));
  assert.equal(isPolicyRuleType("m.policy.rule.room"), false);
});

test("a rule is removed by empty content in its slot and replaced by a new one", () => {
  let rules = rulesFrom([userRule("rule:1", "@*:evil.org"), userRule("rule:2", "@bob:x.org")]);
  rules = applyPolicyEvent(rules, LIST, {
    type: "m.policy.rule.user",
    state_key: "rule:1",
    content: {},
  });
  assert.equal(banned(rules, "@a:evil.org"), undefined);
  assert.ok(banned(rules, "@bob:x.org"), "the other rule stays");
  rules = applyPolicyEvent(rules, LIST, userRule("rule:2", "@carol:x.org", "changed"));
  assert.equal(banned(rules, "@bob:x.org"), undefined);
  assert.equal(banned(rules, "@carol:x.org"), `policy list ${LIST}: rule @carol:x.org (changed)`);
  // The same state key under another type is another rule.
  rules = applyPolicyEvent(rules, LIST, {
    type: "m.policy.rule.server",
    state_key: "rule:2",
    content: { entity: "evil.org", recommendation: "m.ban" },
  });
  assert.ok(banned(rules, "@carol:x.org"));
  assert.ok(banned(rules, "@a:evil.org"));
});

test("rules that are not bans, malformed or too broad ban nobody and remove their slot's rule", () => {
  const broken: unknown[] = [
    { entity: "@*:evil.org", recommendation: "m.allow" },
    { entity: "@*:evil.org" },
    { entity: 42, recommendation: "m.ban" },
    { entity: "", recommendation: "m.ban" },
    { entity: "*", recommendation: "m.ban" },
    { recommendation: "m.ban", hashes: { sha256: "abc" } },
    "not an object",
    null,
  ];
  for (const content of broken) {
    let rules = rulesFrom([userRule("k", "@*:evil.org")]);
    rules = applyPolicyEvent(rules, LIST, { type: "m.policy.rule.user", state_key: "k", content });
    assert.equal(banned(rules, "@a:evil.org"), undefined, JSON.stringify(content));
    assert.equal(rules.size, 0);
  }
  const rules = rulesFrom([userRule("k", "@*:evil.org")]);
  assert.equal(
    applyPolicyEvent(rules, LIST, { type: "m.room.message", state_key: "k", content: {} }),
    rules,
  );
  assert.equal(
    applyPolicyEvent(rules, LIST, { type: "m.policy.rule.user", content: {} }),
    rules,
    "no state_key",
  );
});

test("lists are kept apart: dropping or resyncing one leaves the others", () => {
  let rules = rulesFrom([userRule("k", "@*:evil.org")]);
  rules = replacePolicyList(rules, OTHER, [userRule("k", "@*:spam.example")]);
  assert.match(banned(rules, "@a:spam.example") ?? "", /example\.net/);
  rules = replacePolicyList(rules, OTHER, []);
  assert.equal(banned(rules, "@a:spam.example"), undefined);
  assert.ok(banned(rules, "@a:evil.org"));
  rules = dropPolicyList(rules, LIST);
  assert.equal(rules.size, 0);
});

test("a repeated event changes nothing (the engine can skip re-checking members)", () => {
  const rules = rulesFrom([userRule("k", "@*:evil.org")]);
  assert.equal(applyPolicyEvent(rules, LIST, userRule("k", "@*:evil.org")), rules);
  assert.equal(banned(rules, "not a user id"), undefined);
});
