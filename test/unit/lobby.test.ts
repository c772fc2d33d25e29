import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_HAIKU_RULES } from "../../core/challenge/judge.js";
import type { Effect } from "../../core/effects.js";
import {
  nextLobbyDeadline,
  openingLobby,
  stepLobby,
  type LobbyInput,
  type LobbyRecord,
  type LobbySettings,
} from "../../core/lobby/record.js";
import { lobbyCommand, type LobbyAction } from "../../core/lobby/commands.js";

const settings: LobbySettings = {
  maxTries: 3,
  lifetimeSec: 7200,
  challengeDelaySec: 5,
  farewellDelaySec: 10,
  rules: DEFAULT_HAIKU_RULES,
  welcome: { uses: 10, linkBase: "https://chat.example.org" },
};
const T0 = 1_700_000_000_000;
const ROOM = "!lobby:example.org";
const challenge = { topic: "autumn rain", keyword: "puddle" };
const good = "morning light arrives\nthe puddle waits beside the door\nwe begin again";
const bad = "morning light arrives\nthe kettle waits beside the door\nwe begin again";

function openLobby(): LobbyRecord {
  const opened = openingLobby(
    { key: "lobby:r1", code: "ABC", codeLabel: "friends", now: T0 },
    challenge,
    settings,
  );
  const ready = stepLobby(
    { ...opened.lobby, outbox: [] },
    { type: "roomReady", roomId: ROOM, alias: "#anteroom-lobby-x:example.org", now: T0 },
    settings,
  );
  return ready.lobby;
}

/** Feeds inputs in order; returns the lobby, every effect queued on the way, and the audit types. */
function run(lobby: LobbyRecord, inputs: LobbyInput[]) {
  const effects: Effect[] = [];
  const audit: string[] = [];
  let welcome: unknown;
  for (const input of inputs) {
    const next = stepLobby(lobby, input, settings);
    effects.push(...next.lobby.outbox.map((p) => p.effect));
    audit.push(...next.audit.map((a) => a.type));
    welcome ??= next.welcome;
    lobby = { ...next.lobby, outbox: [] };
  }
  return { lobby, effects, audit, welcome };
}

const texts = (effects: Effect[]) => effects.flatMap((e) => (e.kind === "send" ? [e.text] : []));
const join = (now: number, ...users: string[]): LobbyInput => ({
  type: "members",
  joined: users,
  now,
});
const tick = (now: number): LobbyInput => ({ type: "tick", now });
let replies = 0;
const reply = (
  sender: string,
  body: string,
  now: number,
  welcomeCode = "WELCOME123",
): LobbyInput => ({
  type: "reply",
  eventId: `$r${++replies}`,
  sender,
  body,
  displayName: "Ada",
  now,
  welcomeCode,
});

test("a new lobby asks for its room first", () => {
  const opened = openingLobby(
    { key: "lobby:r1", code: "ABC", codeLabel: "", now: T0 },
    challenge,
    settings,
  );
  assert.equal(opened.lobby.phase, "opening");
  assert.deepEqual(
    opened.lobby.outbox.map((p) => p.effect),
    [{ kind: "createLobbyRoom", key: "lobby:r1" }],
  );
});

test("whoever joins gets the vetting challenge, in its reference phrasing, after the delay", () => {
  const early = run(openLobby(), [join(T0, "@ada:x"), tick(T0 + 4000)]);
  assert.deepEqual(texts(early.effects), [], "nothing before the delay");
  const { effects } = run(early.lobby, [tick(T0 + 5000)]);
  const [text] = texts(effects);
  assert.match(String(text), /^@ada:x: /);
  assert.match(String(text), /write a 3-line haiku about: autumn rain/);
  assert.match(String(text), /include the word "puddle"/);
  assert.match(String(text), /3 tries left/);
});

test("someone who leaves before the delay is not challenged", () => {
  const { effects } = run(openLobby(), [join(T0, "@ada:x"), join(T0 + 1000), tick(T0 + 6000)]);
  assert.deepEqual(texts(effects), []);
});

test("the same member list seen twice changes nothing", () => {
  const once = run(openLobby(), [join(T0, "@ada:x")]).lobby;
  const twice = stepLobby(once, join(T0 + 100, "@ada:x"), settings);
  assert.deepEqual(twice.lobby, once);
  assert.deepEqual(twice.audit, []);
});

test("messages before the challenge was shown are not judged and cost no try", () => {
  const { lobby, audit } = run(openLobby(), [join(T0, "@ada:x"), reply("@ada:x", bad, T0 + 1000)]);
  assert.equal(lobby.guests["@ada:x"]?.triesLeft, 3);
  assert.ok(!audit.includes("lobby_reply_rejected"));
});

test("a pass admits that person, posts a welcome code, closes the lobby, and leaves after a moment", () => {
  const { lobby, effects, audit, welcome } = run(openLobby(), [
    join(T0, "@ada:x"),
    tick(T0 + 5000),
    reply("@ada:x", good, T0 + 9000),
  ]);
  assert.equal(lobby.phase, "passed");
  assert.equal(lobby.passedBy, "@ada:x");
  assert.deepEqual(
    effects.filter((e) => e.kind === "admitToCommunity"),
    [{ kind: "admitToCommunity", user: "@ada:x" }],
  );
  const ack = texts(effects).at(-1) ?? "";
  assert.match(ack, /passed!/);
  assert.match(ack, /https:\/\/chat\.example\.org\/signup\?code=WELCOME123/);
  assert.deepEqual(welcome, {
    code: "WELCOME123",
    entry: {
      uses_remaining: 10,
      label: "welcome:@ada:x",
      inviter: "@ada:x",
      minted_by: "anteroom",
    },
  });
  assert.ok(audit.includes("lobby_promoted") && audit.includes("promoted"));
  const next = stepLobby(lobby, reply("@bob:x", good, T0 + 9500), settings);
  assert.deepEqual(next.audit, [], "a closed lobby judges nothing more");
});

test("tries count per person across leaving and rejoining; out of tries means out in this lobby", () => {
  let { lobby } = run(openLobby(), [join(T0, "@ada:x"), tick(T0 + 5000)]);
  for (let i = 0; i < 3; i++) lobby = run(lobby, [reply("@ada:x", bad, T0 + 6000 + i)]).lobby;
  assert.equal(lobby.guests["@ada:x"]?.triesLeft, 0);
  const rejoined = run(lobby, [join(T0 + 7000), join(T0 + 8000, "@ada:x"), tick(T0 + 20_000)]);
  const said = texts(rejoined.effects);
  assert.equal(said.length, 1);
  assert.match(String(said[0]), /@ada:x: you have no tries left in this lobby/);
  assert.doesNotMatch(String(said[0]), /write a 3-line haiku/);
  const late = run(rejoined.lobby, [reply("@ada:x", good, T0 + 21_000)]);
  assert.equal(late.lobby.phase, "open", "a passing haiku after the last try does not count");
  assert.deepEqual(late.effects, []);
});

test("one person's failures do not cost another person's tries", () => {
  let { lobby } = run(openLobby(), [join(T0, "@ada:x", "@bob:x"), tick(T0 + 5000)]);
  lobby = run(lobby, [reply("@ada:x", bad, T0 + 6000), reply("@ada:x", bad, T0 + 6001)]).lobby;
  assert.equal(lobby.guests["@bob:x"]?.triesLeft, 3);
  const { effects } = run(lobby, [reply("@bob:x", bad, T0 + 7000)]);
  assert.match(String(texts(effects)[0]), /^@bob:x: not yet — .*2 tries left\.$/);
});

test("a replayed reply is judged once", () => {
  let { lobby } = run(openLobby(), [join(T0, "@ada:x"), tick(T0 + 5000)]);
  const input = reply("@ada:x", bad, T0 + 6000);
  lobby = run(lobby, [input, input]).lobby;
  assert.equal(lobby.guests["@ada:x"]?.triesLeft, 2);
});

test("the lobby times out with a message, then the bot leaves", () => {
  const lobby = run(openLobby(), [join(T0, "@ada:x"), tick(T0 + 5000)]).lobby;
  assert.equal(nextLobbyDeadline(lobby), T0 + 7200 * 1000);
  const next = stepLobby(lobby, tick(T0 + 7200 * 1000), settings);
  assert.equal(next.lobby.phase, "timed_out");
  assert.match(String(texts(next.lobby.outbox.map((p) => p.effect))[0]), /time is up/);
  const leave = next.lobby.outbox.find((p) => p.effect.kind === "leaveRoom");
  assert.equal(leave?.notBefore, T0 + 7200 * 1000 + 10_000);
  assert.deepEqual(
    next.audit.map((a) => a.type),
    ["lobby_timeout"],
  );
});

test("a room that could not be made closes the lobby and gives the code use back", () => {
  const opened = openingLobby(
    { key: "lobby:r1", code: "ABC", codeLabel: "", now: T0 },
    challenge,
    settings,
  ).lobby;
  const next = stepLobby(
    { ...opened, outbox: [] },
    {
      type: "effectFailed",
      effect: { kind: "createLobbyRoom", key: "lobby:r1" },
      error: "M_FORBIDDEN",
      now: T0,
    },
    settings,
  );
  assert.equal(next.lobby.phase, "create_failed");
  assert.deepEqual(next.refund, { code: "ABC", key: "lobby:r1" });
});

function command(lobby: LobbyRecord, action: LobbyAction, now = T0 + 10_000) {
  return lobbyCommand(lobby, { ...action, by: "@mod:x", now }, settings);
}

test("a moderator closes a lobby: a message, then the bot leaves; closing twice is refused", () => {
  const outcome = command(openLobby(), { action: "close" });
  assert.ok(outcome.ok);
  const lobby = outcome.step.lobby;
  assert.equal(lobby.phase, "closed");
  assert.match(String(texts(lobby.outbox.map((p) => p.effect))[0]), /moderator closed/);
  assert.ok(lobby.outbox.some((p) => p.effect.kind === "leaveRoom"));
  const again = command(lobby, { action: "close" });
  assert.equal(again.ok, false);
});

test("more tries let someone who ran out answer again", () => {
  let { lobby } = run(openLobby(), [join(T0, "@ada:x"), tick(T0 + 5000)]);
  for (let i = 0; i < 3; i++) lobby = run(lobby, [reply("@ada:x", bad, T0 + 6000 + i)]).lobby;
  const outcome = command(lobby, { action: "addTries", tries: 2, user: "@ada:x" });
  assert.ok(outcome.ok);
  assert.match(String(texts(outcome.step.lobby.outbox.map((p) => p.effect))[0]), /2 tries left/);
  const passed = run({ ...outcome.step.lobby, outbox: [] }, [reply("@ada:x", good, T0 + 11_000)]);
  assert.equal(passed.lobby.phase, "passed");
  assert.equal(command(lobby, { action: "addTries", tries: 0 }).ok, false);
  assert.equal(command(lobby, { action: "addTries", tries: 1, user: "@nobody:x" }).ok, false);
});

test("more tries for everyone also count for people who join later", () => {
  const outcome = command(openLobby(), { action: "addTries", tries: 2 });
  assert.ok(outcome.ok);
  const { lobby } = run(outcome.step.lobby, [join(T0 + 20_000, "@new:x")]);
  assert.equal(lobby.guests["@new:x"]?.triesLeft, 5);
});

test("extending a lobby moves its timeout", () => {
  const outcome = command(openLobby(), { action: "extend", seconds: 3600 });
  assert.ok(outcome.ok);
  assert.equal(outcome.step.lobby.expiresAt, T0 + (7200 + 3600) * 1000);
  const at = stepLobby(outcome.step.lobby, tick(T0 + 7200 * 1000), settings);
  assert.equal(at.lobby.phase, "open");
  assert.equal(command(openLobby(), { action: "extend", seconds: 5 }).ok, false);
});
