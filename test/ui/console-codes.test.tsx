import "./ci-off.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { openConsole } from "./console-harness.js";

test("a new invite code in a few keys: n, i, uses, label, its end; it shows the code and its link, and the list when it ends", async (t) => {
  const c = openConsole(t, { columns: 120 });
  c.press("3");
  await c.waitForText("Codes 1");
  c.press("n");
  await c.waitForText("New code: which book?");
  c.press("i");
  await c.waitForText("uses of the new invite code: 1▌");
  c.press("backspace");
  c.type("3");
  c.press("enter");
  await c.waitForText("label for the new invite code");
  c.type("for dave");
  c.press("enter");
  await c.waitForText("the new invite code ends (7d, 12h, 2026-12-31; empty: never)");
  c.type("soon");
  c.press("enter");
  await c.waitForText("(30m, 12h, 7d, 2w) or a date (2026-12-31) · the new invite code ends");
  c.press("\x15"); // Ctrl+U clears the field
  c.type("7d");
  c.press("enter");
  const frame = await c.waitForText("New invite code");
  const minted = Object.entries(c.world.codes.value).find(([, e]) => e.label === "for dave");
  assert.ok(minted, "the code is in the book");
  const [code, entry] = minted;
  assert.equal(entry.uses_remaining, 3);
  assert.equal(entry.minted_by, "mod-alice");
  assert.equal(entry.expires_at, Math.floor(c.world.now / 1000) + 7 * 86_400);
  assert.match(frame, new RegExp(`code: ${code}`));
  assert.match(frame, /label: for dave · ends \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  assert.ok(frame.includes(`https://join.example.org/join?code=${code}`));
  c.press("enter");
  const list = await c.waitForText("Codes 2");
  assert.match(list, new RegExp(`› invite\\s+${code}\\s+3 left\\s+for dave · ends in 7 d`));
});

test("a signup code's link goes to the signup page; a bad number of uses or a past end is refused", async (t) => {
  const c = openConsole(t, { columns: 120 });
  c.press("3", "n");
  await c.waitForText("New code: which book?");
  c.press("s");
  await c.waitForText("uses of the new signup code");
  c.press("backspace");
  c.type("zero");
  c.press("enter");
  await c.waitForText("uses must be 1–100000");
  await c.waitForText("uses of the new signup code: zero▌");
  c.press("\x15"); // Ctrl+U clears the field
  c.type("10");
  c.press("enter");
  await c.waitForText("label for the new signup code");
  c.press("enter");
  await c.waitForText("the new signup code ends");
  c.type("2020-01-01");
  c.press("enter");
  await c.waitForText("2020-01-01 is in the past");
  c.press("\x15");
  c.press("enter"); // empty: no end
  const frame = await c.waitForText("New signup code");
  const [code] = Object.keys(c.world.signupCodes.value);
  assert.ok(code);
  assert.equal(c.world.signupCodes.value[code]?.expires_at, undefined, "no end");
  assert.match(frame, /never ends/);
  assert.ok(frame.includes(`https://join.example.org/signup?code=${code}`));
});

test("revoke confirms with Cancel focused, then removes the code", async (t) => {
  const c = openConsole(t, { codes: { ABC: { uses_remaining: 5, label: "friends" } } });
  c.press("3");
  await c.waitForText("Codes 1");
  c.press("r");
  let frame = await c.waitForText("Revoke the invite code ABC?");
  assert.match(frame, /› Cancel ‹/);
  assert.match(frame, /friends · 5 uses left/);
  c.press("enter");
  await c.waitForText("cancelled");
  assert.ok(c.world.codes.value.ABC);
  c.press("r");
  await c.waitForText("Revoke the invite code ABC?");
  c.press("tab", "enter");
  frame = await c.waitForText("revoked the invite code ABC");
  assert.match(frame, /Codes 0/);
  assert.equal(c.world.codes.value.ABC, undefined);
  assert.ok(c.world.audit.some((a) => a.type === "code_revoked" && a.by === "mod-alice"));
});
