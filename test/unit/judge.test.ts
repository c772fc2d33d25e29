import { test } from "node:test";
import assert from "node:assert/strict";
import { containsWord, judgeHaiku } from "../../core/challenge/judge.js";
import { challengeText, notYetText } from "../../core/challenge/messages.js";

const good = "a beam through grey fog\nthe shore listens for the horn\nships count the long night";

test("a three-line haiku with the keyword passes", () => {
  assert.deepEqual(judgeHaiku({ body: good, displayName: "Ada" }, "beam"), { pass: true });
});

test("each rule fails with a reason a newcomer can act on", () => {
  const cases: [string, string | undefined, string, RegExp][] = [
    [good, undefined, "beam", /display name/],
    [good, "  ", "beam", /display name/],
    ["one line only with beam and more words here", "Ada", "beam", /3 lines, yours has 1/],
    ["a\nbeam\nc", "Ada", "beam", /too short/],
    [`${"x".repeat(200)}\nbeam\n${"y".repeat(200)}`, "Ada", "beam", /too long/],
    [good, "Ada", "lantern", /the word "lantern" is missing/],
    [good.replace("beam", "beams"), "Ada", "beam", /missing/],
  ];
  for (const [body, displayName, keyword, reason] of cases) {
    const verdict = judgeHaiku({ body, displayName }, keyword);
    assert.equal(verdict.pass, false, body);
    assert.match(verdict.pass ? "" : verdict.reason, reason);
  }
});

test("blank lines between the three lines are allowed", () => {
  assert.equal(
    judgeHaiku({ body: good.replaceAll("\n", "\n\n"), displayName: "Ada" }, "beam").pass,
    true,
  );
});

test("a quoted reply fallback does not count as lines", () => {
  const reply = `> <@anteroom:example.org> write a 3-line haiku\n> include the word\n\n${good}`;
  assert.equal(judgeHaiku({ body: reply, displayName: "Ada" }, "beam").pass, true);
});

test("the keyword is matched as a word, case-insensitively, in any script", () => {
  assert.equal(containsWord("The BEAM shines", "beam"), true);
  assert.equal(containsWord("sunbeam at dawn", "beam"), false);
  assert.equal(containsWord("beam_light", "beam"), false);
  assert.equal(containsWord("ÜBER alles", "über"), true);
  assert.equal(containsWord("überall", "über"), false);
  assert.equal(containsWord("café au lait", "cafe\u0301"), true); // composed vs decomposed é
  assert.equal(containsWord("a (beam). yes", "beam"), true);
  assert.equal(containsWord("what.*ever", ".*"), false);
});

test("the challenge keeps the reference phrasing agents parse", () => {
  const text = challengeText({ topic: "a lighthouse in fog", keyword: "beam" }, 3, 7200);
  assert.match(text, /^write a 3-line haiku about: a lighthouse in fog$/m);
  assert.match(text, /^include the word "beam"$/m);
  assert.match(text, /3 tries left/);
  assert.equal(notYetText("too short", 1), "not yet — too short. 1 try left.");
});

test("the challenge names the community when COMMUNITY_NAME is set, and says 1 hour, not 1 hours", () => {
  const challenge = { topic: "a lighthouse in fog", keyword: "beam" };
  const named = challengeText(challenge, 3, 3600, "Shape Rotators");
  assert.match(named, /^welcome to Shape Rotators! one small step before you join:$/m);
  assert.match(named, /this room closes in 1 hour\.$/);
  assert.match(challengeText(challenge, 3, 3600), /^welcome! one small step/);
});
