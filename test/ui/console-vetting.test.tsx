import "./ci-off.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { openConsole, type ConsoleHarness } from "./console-harness.js";

const USER = "@new:example.org";

async function openRoom(c: ConsoleHarness): Promise<void> {
  c.world.knock(USER, "ABC");
  await c.world.reconcile();
  c.press("2");
  await c.waitForText("Vetting rooms 1");
}

test("the Vetting view shows each open room: who, tries left, time left, topic and keyword", async (t) => {
  const c = openConsole(t, { columns: 120 });
  await openRoom(c);
  const record = c.world.record(USER);
  const frame = c.frame();
  assert.match(frame, /› @new:example\.org\s+3\s+2 h left/);
  assert.ok(frame.includes(`${record?.challenge?.topic} · “${record?.challenge?.keyword}”`));
  c.world.now += 90 * 60_000;
  await c.world.advance(0);
  c.press("j"); // any key re-renders; the clock does too, every few seconds
  await c.waitForText("30 min left");
});

test("Enter shows the live transcript; a reply appears while it is open; Esc goes back", async (t) => {
  const c = openConsole(t);
  await openRoom(c);
  c.press("enter");
  let frame = await c.waitForText("transcript (live)");
  assert.match(frame, /bot\s+welcome! one small step/);
  await c.world.reply(USER, "a wrong haiku\nsecond line\nthird line");
  frame = await c.waitForText("a wrong haiku");
  assert.match(frame, /newcomer\s+a wrong haiku/);
  assert.match(frame, /^\s+second line/m);
  assert.match(frame, /2 tries left/);
  c.press("esc");
  await c.waitForText("Vetting rooms 1");
});

test("t adds a try, e extends by 30 minutes, R reposts, s says something as the bot", async (t) => {
  const c = openConsole(t);
  await openRoom(c);
  const expires = c.world.record(USER)?.expiresAt ?? 0;
  c.press("t");
  await c.waitForText(`gave ${USER} more tries`);
  assert.equal(c.world.record(USER)?.triesLeft, 4);
  c.press("e");
  await c.waitForText(`gave ${USER} more time`);
  assert.equal(c.world.record(USER)?.expiresAt, expires + 30 * 60_000);
  c.press("R");
  await c.waitForText(`posted a new challenge for ${USER}`);
  assert.ok(c.world.audit.some((a) => a.type === "vetting_reposted"));
  c.press("s");
  await c.waitForText(`say to ${USER} as the bot`);
  c.type("take your time");
  c.press("enter");
  await c.waitForText(`said it to ${USER}`);
  await c.until("the message", () =>
    c.world.matrix.ops("sendText").some(([, text]) => text === "take your time"),
  );
});

test(":repost TOPIC / KEYWORD sets the moderator's own challenge; a keyword of two words is refused", async (t) => {
  const c = openConsole(t);
  await openRoom(c);
  c.press(":");
  c.type("repost a kettle on the stove / steam");
  c.press("enter");
  await c.waitForText(`posted a new challenge for ${USER}`);
  assert.deepEqual(c.world.record(USER)?.challenge, {
    topic: "a kettle on the stove",
    keyword: "steam",
  });
  await c.until("the challenge posted", () =>
    c.world.matrix
      .ops("sendText")
      .some(([, text]) => String(text).includes("a kettle on the stove")),
  );
  c.press(":");
  c.type("repost a kettle / hot steam");
  c.press("enter");
  await c.waitForText("the keyword must be one word");
  assert.equal(c.world.record(USER)?.challenge?.keyword, "steam");
});

test("c closes a room after a confirmation that starts on Cancel", async (t) => {
  const c = openConsole(t);
  await openRoom(c);
  c.press("c");
  const frame = await c.waitForText(`Close the vetting room of ${USER}?`);
  assert.match(frame, /› Cancel ‹/);
  c.press("l", "enter");
  await c.waitForText(`closed the vetting room of ${USER}`);
  await c.waitForText("Vetting rooms 0");
  assert.equal(c.world.record(USER)?.phase, "withdrawn");
});

test("a failed vetting can be overridden with a from the Knocks view", async (t) => {
  const c = openConsole(t);
  await openRoom(c);
  for (let i = 0; i < 3; i++) await c.world.reply(USER, "not a haiku");
  c.press("1");
  await c.waitFor("the failed knock", (f) => /failed\s+@new/.test(f));
  c.press("a");
  await c.waitForText(`approved ${USER}`);
  // The invite runs after the failed room's farewell (leave) in the record's outbox.
  await c.world.advance(11_000);
  await c.until("the invite", () => c.world.matrix.ops("invite").some(([, user]) => user === USER));
  assert.ok(c.world.audit.some((a) => a.type === "promoted" && a.via === "override"));
});
