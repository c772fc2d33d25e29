import "./ci-off.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { openConsole } from "./console-harness.js";

const codes = {
  AAA: { uses_remaining: 1, label: "one" },
  BBB: { uses_remaining: 1, label: "two" },
  CCC: { uses_remaining: 1, label: "three" },
};

test("Space marks codes; r on marked codes asks to type revoke, Cancel focused, then revokes them all", async (t) => {
  const c = openConsole(t, { codes });
  c.press("3");
  await c.waitForText("Codes 3");
  c.press(" ", " ");
  let frame = await c.waitForText("2 marked");
  // Space marks and moves on, as in a file manager.
  assert.match(frame, /^ ●invite\s+AAA/m);
  assert.match(frame, /^ ●invite\s+BBB/m);
  assert.match(frame, /^› invite\s+CCC/m);
  c.press("r");
  frame = await c.waitForText("Revoke 2 codes?");
  assert.match(frame, /› Cancel ‹/);
  assert.match(frame, /AAA, BBB/);
  // Enter on Cancel, as pressed out of habit, does nothing but cancel.
  c.press("enter");
  await c.waitForText("cancelled");
  assert.ok(c.world.codes.value.AAA && c.world.codes.value.BBB);
  c.press("r");
  await c.waitForText("Revoke 2 codes?");
  // The button alone is not enough: the word must be typed.
  c.press("tab", "enter");
  await c.waitForText('type "revoke" first');
  assert.ok(c.world.codes.value.AAA);
  c.type("revoke");
  await c.waitForText("revoke▌ ✓");
  c.press("enter");
  await c.waitForText("revoked 2 codes");
  assert.deepEqual(Object.keys(c.world.codes.value), ["CCC"]);
  assert.doesNotMatch(c.frame(), /marked/);
});

test("Esc clears the marks before the filter; r then acts on the selected code alone", async (t) => {
  const c = openConsole(t, { codes });
  c.press("3", " ");
  await c.waitForText("1 marked");
  c.press("esc");
  await c.waitForText("marks cleared");
  c.press("r");
  await c.waitForText("Revoke the invite code BBB?");
});
