import "./ci-off.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { openConsole } from "./console-harness.js";

const lineOf = (frame: string, user: string) =>
  frame.split("\n").find((line) => line.includes(user)) ?? "";

test("each knock's code shows as valid, used up, not a code, or none", async (t) => {
  const c = openConsole(t, {
    columns: 120,
    codes: {
      ABC: { uses_remaining: 5, label: "friends" },
      SPENT: { uses_remaining: 0, label: "old flyer" },
    },
  });
  c.world.knock("@valid:example.org", "ABC");
  c.world.knock("@spent:example.org", "SPENT");
  c.world.knock("@wrong:example.org", "let me in");
  c.world.knock("@none:example.org", "");
  await c.world.reconcile();
  const frame = await c.waitForText("Knocks 4");
  assert.match(lineOf(frame, "@valid"), /valid ABC friends/);
  assert.match(lineOf(frame, "@spent"), /code used up/);
  assert.match(lineOf(frame, "@wrong"), /no valid code/);
  assert.match(lineOf(frame, "@none"), /held\s+@none:example\.org\s+none\s+no reason given/);
});

test("v sends a held knock to vetting from the Knocks view; on any other knock it says why not", async (t) => {
  const c = openConsole(t);
  c.world.knock("@open:example.org", "ABC");
  await c.world.reconcile();
  c.world.now += 1000;
  c.world.knock("@held:example.org", "");
  await c.world.reconcile();
  await c.waitFor("the held knock first", (f) => /^› .*held\s+@held/m.test(f));
  c.press("j", "v");
  await c.waitForText("can't to vetting: not held");
  c.press("k", "v");
  await c.waitForText("sent @held:example.org to vetting");
  await c.waitFor("its room open", (f) => /open\s+@held:example\.org/.test(f));
  assert.ok(c.world.audit.some((a) => a.type === "knock_sent_to_vetting" && a.by === "mod-alice"));
  c.press("2");
  await c.waitForText("Vetting rooms 2");
});

test("Esc and a view key typed in one chunk (as over a slow link) go back, then switch view", async (t) => {
  const c = openConsole(t);
  c.world.knock("@new:example.org", "ABC");
  await c.world.reconcile();
  c.press("2", "enter");
  await c.waitForText("transcript (live)");
  c.type("\x1b3");
  const frame = await c.waitForText("Codes 1");
  assert.doesNotMatch(frame, /transcript/);
});
