import "./ci-off.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { World } from "../unit/engine-fixtures.js";
import { openConsole } from "./console-harness.js";

test("the Log view starts with the audit log read at start, then follows new entries", async (t) => {
  const world = new World({ ABC: { uses_remaining: 5, label: "friends" } });
  world.knock("@before:example.org", "ABC");
  await world.reconcile();
  const c = openConsole(t, { world, columns: 120 });
  c.press("4");
  let frame = await c.waitForText("vetting_room_created");
  assert.match(frame, /knock_received\s+@before:example\.org/);
  world.knock("@after:example.org", "WRONG");
  await world.reconcile();
  frame = await c.waitForText("knock_rejected");
  // Newest first, and nothing read at start is shown twice.
  const rows = frame.split("\n").filter((line) => /^[› ] \d\d:\d\d:\d\d/.test(line));
  assert.match(rows[0] ?? "", /knock_rejected\s+@after/);
  assert.equal(rows.filter((line) => line.includes("vetting_room_created")).length, 1);
  assert.equal(rows.length, world.audit.length);
});

test("/ filters the log as you type; Enter keeps the filter, Esc clears it", async (t) => {
  const c = openConsole(t);
  c.world.knock("@bob:example.org", "ABC");
  c.world.knock("@eve:example.org", "NOPE");
  await c.world.reconcile();
  c.press("4");
  await c.waitForText("Audit log 5");
  c.press("/");
  c.type("rejected");
  let frame = await c.waitForText("Audit log 1");
  assert.match(frame, /filter “rejected”/);
  assert.doesNotMatch(frame, /code_redeemed/);
  c.press("enter");
  await c.waitFor("the filter line closed", (f) => !f.includes("/rejected▌"));
  c.press("esc");
  frame = await c.waitForText("Audit log 5");
  assert.doesNotMatch(frame, /filter “/);
});

test("a filter on Knocks matches names and reasons, and keeps to that view", async (t) => {
  const c = openConsole(t);
  c.world.knock("@bob:example.org", "ABC");
  c.world.knock("@eve:example.org", "");
  await c.world.reconcile();
  await c.waitForText("Knocks 2");
  c.press("/");
  c.type("eve");
  c.press("enter");
  const frame = await c.waitForText("Knocks 1");
  assert.doesNotMatch(frame, /@bob/);
  c.press("4");
  await c.waitFor("an unfiltered log", (f) => /Audit log \d+ ·/.test(f) && !f.includes("filter “"));
});
