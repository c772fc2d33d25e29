import "./ci-off.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { REGISTRY, keyLabel } from "../../ui/keys/registry.js";
import { openConsole } from "./console-harness.js";

test("help lists every binding of the registry, with its keys", async (t) => {
  const c = openConsole(t, { columns: 120, rows: REGISTRY.length + 8 });
  c.press("?");
  const frame = await c.waitForText(`${REGISTRY.length} of the keys`);
  for (const binding of REGISTRY) {
    const keys = keyLabel(binding.keys).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    const row = new RegExp(`^. ${keys}\\s+:${binding.id}\\s+\\S`, "m");
    assert.match(frame, row, `help shows :${binding.id} with its keys`);
  }
});

test("help is searchable and Enter runs the command it selected", async (t) => {
  const c = openConsole(t);
  c.world.knock("@held:example.org", "");
  await c.world.reconcile();
  await c.waitForText("@held:example.org");
  c.press("?");
  await c.waitForText("Help");
  c.type("let the person");
  const frame = await c.waitForText("1 of the keys");
  assert.match(frame, /:approve/);
  c.press("enter");
  await c.waitForText("approved @held:example.org");
  await c.until("the invite", () => c.world.matrix.ops("invite").length > 0);
});

test("the hint bar always offers ? help", async (t) => {
  const c = openConsole(t, { columns: 60, rows: 15 });
  for (const key of ["1", "2", "3", "4"]) {
    c.press(key);
    await c.waitFor(`view ${key}`, (f) => f.split("\n").some((l) => l.startsWith("? help")));
  }
});

test("read-only: every action is disabled and says why", async (t) => {
  const c = openConsole(t, { readonly: true, columns: 120, rows: 60 });
  c.world.knock("@held:example.org", "");
  await c.world.reconcile();
  let frame = await c.waitForText("@held:example.org");
  assert.match(frame, /READ-ONLY/);
  for (const [key, hint] of [
    ["a", "approve"],
    ["x", "reject"],
    ["t", "+try"],
    ["c", "close"],
  ] as const) {
    c.press(key);
    await c.waitForText(`can't ${hint}: read-only`);
  }
  c.press("3");
  await c.waitForText("Codes 1");
  c.press("n");
  await c.waitForText("can't new code: read-only");
  c.press("?");
  frame = await c.waitForText("Help");
  assert.match(frame, /:new-code .*\(read-only\)/);
  assert.match(frame, /:revoke .*\(read-only\)/);
  c.press("esc");
  await c.waitForText("Codes 1");
  assert.equal(c.world.matrix.ops("invite").length, 0);
  assert.equal(c.world.matrix.ops("kick").length, 0);
});

test("a disabled action says why: nothing selected, not open", async (t) => {
  const c = openConsole(t);
  c.press("a");
  await c.waitForText("can't approve: nothing selected");
  c.world.knock("@held:example.org", "");
  await c.world.reconcile();
  await c.waitForText("@held:example.org");
  c.press("t");
  await c.waitForText("can't +try: not open");
});

test("the command line completes over the registry and runs with arguments", async (t) => {
  const c = openConsole(t);
  c.world.knock("@spammer:example.org", "");
  await c.world.reconcile();
  await c.waitForText("@spammer:example.org");
  c.press(":");
  c.type("rej");
  await c.waitForText(":rej▌");
  c.press("tab");
  await c.waitForText(":reject ▌");
  c.type("spam");
  c.press("enter");
  const frame = await c.waitForText("Reject @spammer:example.org?");
  assert.match(frame, /They will see the reason: spam/);
  assert.match(frame, /› Cancel ‹/);
  c.press("right", "enter");
  await c.waitForText("rejected @spammer:example.org");
  await c.until("the kick", () => c.world.matrix.ops("kick").length === 1);
  assert.equal(c.world.matrix.ops("kick")[0]?.[2], "spam");
  c.press(":");
  c.type("nonsense");
  c.press("enter");
  await c.waitForText('unknown command ":nonsense"');
});

test("a command the engine refuses shows the engine's reason", async (t) => {
  const c = openConsole(t);
  c.world.knock("@new:example.org", "ABC");
  await c.world.reconcile();
  await c.waitFor("the open room", (f) => /open\s+@new/.test(f));
  c.press(":");
  c.type("add-try 50");
  c.press("enter");
  await c.waitForText("addTries refused: tries must be 1–20");
});

test("too small a terminal says so, and the layout comes back on resize", async (t) => {
  const c = openConsole(t);
  await c.waitForText("Knocks 0");
  c.resize(50, 12);
  const frame = await c.waitForText("terminal too small (need 60×15)");
  assert.doesNotMatch(frame, /Knocks 0/);
  c.resize(59, 30);
  await c.waitForText("terminal too small (need 60×15)");
  c.resize(80, 14);
  await c.waitForText("now 80×14");
  c.resize(60, 15);
  await c.waitForText("Knocks 0");
  c.resize(120, 40);
  await c.waitFor("a 40-row frame", (f) => f.split("\n").length === 40);
});

test("every frame at 80×24 is exactly 24 lines of at most 80 columns", async (t) => {
  const c = openConsole(t);
  for (let i = 0; i < 40; i++) c.world.knock(`@user${i}:example.org`, i % 2 ? "ABC" : "");
  await c.world.reconcile();
  await c.waitForText("Knocks 40");
  for (const key of ["1", "2", "3", "4", "?"]) {
    c.press(key);
    await c.until(`view ${key}`, () => true);
    const lines = c.frame().split("\n");
    assert.equal(lines.length, 24, `view ${key}`);
    for (const line of lines) assert.ok([...line].length <= 80, `too wide: ${line}`);
  }
});

test("q asks before quitting; Enter quits", async (t) => {
  let exited = false;
  const c = openConsole(t, { onExit: () => (exited = true) });
  await c.waitForText("Knocks 0");
  c.press("q");
  await c.waitForText("Quit the console?");
  c.press("esc");
  await c.waitForText("cancelled");
  assert.equal(exited, false);
  c.press("q");
  await c.waitForText("Quit the console?");
  c.press("enter");
  await c.until("the console to exit", () => exited);
});

test("g, G, PgDn and PgUp move through a list longer than the screen", async (t) => {
  const c = openConsole(t);
  for (let i = 0; i < 60; i++) {
    c.world.now += 1000;
    c.world.knock(`@user${String(i).padStart(2, "0")}:example.org`, "");
  }
  await c.world.reconcile();
  await c.waitForText("Knocks 60");
  const selected = (f: string) => f.split("\n").find((l) => l.startsWith("›")) ?? "";
  c.press("G");
  await c.waitFor("the oldest knock", (f) => selected(f).includes("@user00"));
  c.press("g");
  await c.waitFor("the newest knock", (f) => selected(f).includes("@user59"));
  c.press("\x1b[6~"); // PgDn
  await c.waitFor("a page further", (f) => /@user(4\d|3\d)/.test(selected(f)));
  c.press("\x1b[5~"); // PgUp
  await c.waitFor("back at the top", (f) => selected(f).includes("@user59"));
  // The frame never holds more rows than fit.
  assert.equal(c.frame().split("\n").length, 24);
});

test("Ctrl+C backs out of a prompt, then asks to quit, and a second Ctrl+C quits", async (t) => {
  let exited = false;
  const c = openConsole(t, { onExit: () => (exited = true) });
  c.press("/");
  c.type("abc");
  await c.waitForText("/abc▌");
  c.press("ctrl+c");
  await c.waitForText("cancelled");
  c.press("ctrl+c");
  await c.waitForText("Quit the console?");
  assert.equal(exited, false);
  c.press("ctrl+c");
  await c.until("the console to exit", () => exited);
});

test("with quit remapped to Q in the key map, Q twice quits and q no longer does", async (t) => {
  let exited = false;
  const c = openConsole(t, { onExit: () => (exited = true), keyMap: { quit: ["Q", "ctrl+c"] } });
  await c.waitForText("Knocks 0");
  c.press("q", "3");
  await c.waitForText("[3 Codes]");
  assert.doesNotMatch(c.frame(), /Quit the console\?/);
  c.press("Q");
  await c.waitForText("Quit the console?");
  c.press("Q");
  await c.until("the console to exit", () => exited);
});

test("q twice quits", async (t) => {
  let exited = false;
  const c = openConsole(t, { onExit: () => (exited = true) });
  await c.waitForText("Knocks 0");
  c.press("q");
  await c.waitForText("Quit the console?");
  c.press("q");
  await c.until("the console to exit", () => exited);
});
