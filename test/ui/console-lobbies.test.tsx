import "./ci-off.js";
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { LobbyWorld } from "../unit/engine-fixtures.js";
import { openConsole, type ConsoleHarness } from "./console-harness.js";

const ANA = "@ana:example.org";
const BO = "@bo:example.org";

/** A lobby for the code ABC with Ana and Bo in it, both shown the challenge; the Vetting view open. */
async function openLobby(
  t: TestContext,
): Promise<{ c: ConsoleHarness; world: LobbyWorld; roomId: string }> {
  const world = new LobbyWorld({ ABC: { uses_remaining: 5, label: "friends" } });
  const c = openConsole(t, { world, columns: 120, rows: 30 });
  const opened = await world.engine.openLobby("ABC", "req-1");
  if (!opened.ok) throw new Error(`no lobby: ${opened.error}`);
  await world.seeMembers(opened.roomId, [ANA, BO]);
  await world.advance(6_000); // the challenge follows the join after a short delay
  c.press("2");
  await c.waitForText("1 lobby");
  return { c, world, roomId: opened.roomId };
}

test("the Vetting view lists a lobby: its room, code label, people in it, time left, topic", async (t) => {
  const { c, world } = await openLobby(t);
  const lobby = Object.values(world.lobbies.value)[0];
  const frame = c.frame();
  assert.match(frame, /› lobby #anteroom-lobby-1:example\.org · friends\s+2 in\s+1 h 59 min left/);
  assert.ok(frame.includes(`${lobby?.challenge.topic} · “${lobby?.challenge.keyword}”`));
  assert.match(frame, /0 vetting · 1 lobby · /); // the header counts open lobbies
});

test("Enter on a lobby shows everyone with their tries left and the live transcript", async (t) => {
  const { c, world, roomId } = await openLobby(t);
  c.press("enter");
  let frame = await c.waitForText("transcript (live)");
  assert.match(frame, /people: 2 in the room, 2 came · 3 tries each/);
  assert.match(frame, /@ana:example\.org {2}3 tries left/);
  assert.match(frame, /@bo:example\.org {2}3 tries left/);
  await world.say(roomId, ANA, "not a haiku at all");
  frame = await c.waitForText("not a haiku at all");
  assert.match(frame, /@ana:exam\s+not a haiku at all/); // a newcomer speaks under their own name
  assert.match(frame, /@ana:example\.org {2}2 tries left/);
  await world.seeMembers(roomId, [ANA]);
  await c.waitForText("@bo:example.org  3 tries left · left");
});

test("t gives everyone in the lobby a try; :add-try 2 @user gives one person two", async (t) => {
  const { c, world } = await openLobby(t);
  c.press("t");
  await c.waitForText("gave more tries in #anteroom-lobby-1:example.org");
  const guests = () => Object.values(world.lobbies.value)[0]?.guests ?? {};
  assert.equal(guests()[ANA]?.triesLeft, 4);
  assert.equal(guests()[BO]?.triesLeft, 4);
  c.press(":");
  c.type(`add-try 2 ${BO}`);
  c.press("enter");
  await c.until("Bo's tries", () => guests()[BO]?.triesLeft === 6);
  assert.equal(guests()[ANA]?.triesLeft, 4);
});

test("e extends a lobby by 30 minutes and s says something in it as the bot", async (t) => {
  const { c, world, roomId } = await openLobby(t);
  const expires = Object.values(world.lobbies.value)[0]?.expiresAt ?? 0;
  c.press("e");
  await c.waitForText("gave #anteroom-lobby-1:example.org more time");
  assert.equal(Object.values(world.lobbies.value)[0]?.expiresAt, expires + 30 * 60_000);
  c.press("s");
  await c.waitForText("say in #anteroom-lobby-1:example.org as the bot");
  c.type("one of you, please");
  c.press("enter");
  await c.waitForText("said it in #anteroom-lobby-1:example.org");
  await c.until("the message", () => world.sent(roomId).includes("one of you, please"));
});

test("c closes a lobby after a confirmation that starts on Cancel; approve and reject say why not", async (t) => {
  const { c, world } = await openLobby(t);
  c.press("a");
  await c.waitForText("can't approve: not for a lobby");
  c.press("c");
  const frame = await c.waitForText("Close the lobby #anteroom-lobby-1:example.org?");
  assert.match(frame, /2 people are in it and will be told it closed/);
  assert.match(frame, /› Cancel ‹/);
  c.press("enter");
  await c.waitForText("cancelled");
  assert.equal(Object.values(world.lobbies.value)[0]?.phase, "open");
  c.press("c", "right", "enter");
  await c.waitForText("closed the lobby #anteroom-lobby-1:example.org");
  await c.waitForText("No open vetting rooms or lobbies.");
  assert.equal(Object.values(world.lobbies.value)[0]?.phase, "closed");
});
