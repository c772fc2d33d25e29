// The lobby path against the real Synapse: POST /join/api makes a room, newcomers join it by
// its alias, the challenge follows, tries are per person, the page spends nothing, the redeem
// is atomic, and an unanswered lobby times out.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { Newcomer, haikuWith } from "../harness/newcomer-flow.js";
import { waitFor } from "../harness/wait.js";
import type { CodeBook } from "../../core/codes/code-book.js";
import type { LobbyRecord } from "../../core/lobby/record.js";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;

const CODES = {
  FRIENDS: { uses_remaining: 20, label: "friends" },
  ONE: { uses_remaining: 1, label: "single" },
  PREVIEW: { uses_remaining: 1, label: "preview" },
  SPENT: { uses_remaining: 0, label: "spent" },
};

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 2 });
  daemon = await TestDaemon.start(hs, community, {
    env: {
      INITIAL_CODES: JSON.stringify(CODES),
      HS_PUBLIC: "https://matrix.example.test",
      LOBBY_CHALLENGE_DELAY_SEC: "1",
      // The atomicity test sends 100 requests at once: the limits are tested in the unit tests.
      LOBBY_RATE_PER_MIN: "1000",
      LOBBY_CODE_RATE_PER_MIN: "1000",
    },
  });
});

after(async () => {
  await daemon?.stop();
  await hs?.stop();
});

interface JoinAnswer {
  status: number;
  json: Record<string, unknown>;
}

async function requestLobby(code: string, target = daemon): Promise<JoinAnswer> {
  const res = await fetch(`${target.url}/join/api`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function openLobby(
  code = "FRIENDS",
  target = daemon,
): Promise<{ alias: string; roomId: string }> {
  const answer = await requestLobby(code, target);
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  return { alias: String(answer.json.alias), roomId: String(answer.json.room_id) };
}

async function readJson<T>(file: string, dir = daemon.dataDir): Promise<T> {
  return JSON.parse(await readFile(join(dir, file), "utf8")) as T;
}

const codesOf = () => readJson<CodeBook>("codes.json");
const signupCodesOf = () => readJson<CodeBook>("signup_codes.json");
const lobbiesOf = (dir = daemon.dataDir) =>
  readJson<Record<string, LobbyRecord>>("lobby.json", dir).then((book) => Object.values(book));

async function botRooms(c = community): Promise<string[]> {
  return (await c.botClient.request<{ joined_rooms: string[] }>("GET", "/joined_rooms"))
    .joined_rooms;
}

/** Joins the lobby by its alias and waits for the challenge addressed to this newcomer. */
async function joinAndReadChallenge(newcomer: Newcomer, alias: string) {
  const roomId = await newcomer.client.join(alias);
  const event = await newcomer.client.waitForMessage(
    roomId,
    (body: string) =>
      body.startsWith(`${newcomer.userId}: `) && /write a 3-line haiku about: /.test(body),
  );
  const text: string = event.content.body;
  const keyword = /include the word "([^"]+)"/.exec(text)?.[1];
  assert.ok(keyword, `the challenge keeps the reference phrasing: ${text}`);
  return { roomId, keyword, text };
}

function botSays(newcomer: Newcomer, roomId: string, pattern: RegExp): Promise<string> {
  return newcomer.client
    .waitForMessage(
      roomId,
      (body: string, ev: { sender?: string }) =>
        ev.sender !== newcomer.userId && pattern.test(body),
    )
    .then((ev: { content: { body: string } }) => ev.content.body);
}

test("a newcomer asks for a lobby, joins it by link, passes and is let into the space", async () => {
  const answer = await requestLobby("FRIENDS");
  assert.equal(answer.status, 200);
  assert.deepEqual(Object.keys(answer.json).sort(), ["alias", "room_id", "title", "url"]);
  const alias = String(answer.json.alias);
  assert.equal(answer.json.url, `https://matrix.to/#/${alias}`);

  const newcomer = await Newcomer.register(hs, community, "Ada");
  const { roomId, keyword, text } = await joinAndReadChallenge(newcomer, alias);
  assert.equal(roomId, answer.json.room_id);
  assert.match(text, /3 tries left/);
  const topic = /write a 3-line haiku about: (.+)/.exec(text)?.[1] ?? "";
  for (const secret of [keyword, topic, "include the word"])
    assert.ok(
      !JSON.stringify(answer.json).includes(secret),
      "the answer never gives the challenge",
    );
  // Joinable by anyone with the link, not listed in the directory, unencrypted and locked so.
  const client = newcomer.client;
  assert.equal((await client.getState(roomId, "m.room.join_rules")).join_rule, "public");
  const listed = await client.request<{ visibility: string }>(
    "GET",
    `/directory/list/room/${encodeURIComponent(roomId)}`,
  );
  assert.equal(listed.visibility, "private");
  assert.equal(await client.getState(roomId, "m.room.encryption"), undefined);
  const levels = await client.getState(roomId, "m.room.power_levels");
  assert.equal(levels.events["m.room.encryption"], 200);
  assert.equal(levels.users[newcomer.userId] ?? levels.users_default, 0);

  await client.sendText(roomId, haikuWith(keyword));
  const ack = await botSays(newcomer, roomId, /passed!/);
  const welcome = /\/signup\?code=([A-Z2-9]{10})/.exec(ack)?.[1] ?? "";
  const signupCodes = await signupCodesOf();
  assert.equal(signupCodes[welcome]?.label, `welcome:${newcomer.userId}`);
  assert.equal(signupCodes[welcome]?.uses_remaining, 10);
  for (const room of [community.spaceId, ...community.childIds]) {
    await client.waitForInvite(room);
    await client.join(room);
  }
  assert.equal(await community.botClient.membership(community.spaceId, newcomer.userId), "join");
  // The lobby is done: the bot leaves after a moment, and the link stops working.
  await waitFor(
    async () =>
      (await client.getState(roomId, "m.room.member", community.bot.userId))?.membership ===
      "leave",
    { what: "the bot to leave the lobby", timeoutMs: 30_000 },
  );
  await assert.rejects(() => client.join(alias));
});

test("tries count per person: out of tries, leaving and coming back does not give more", async () => {
  const { alias } = await openLobby();
  const bert = await Newcomer.register(hs, community, "Bert");
  const { roomId, keyword } = await joinAndReadChallenge(bert, alias);
  for (const left of ["2 tries left", "1 try left"]) {
    await bert.client.sendText(roomId, "just one line");
    await botSays(bert, roomId, new RegExp(`^${escapeRe(bert.userId)}: not yet — .*${left}`));
  }
  await bert.client.sendText(roomId, "just one line");
  await botSays(bert, roomId, /no tries left in this lobby/);
  await bert.client.leave(roomId);
  await bert.client.join(alias);
  await botSays(bert, roomId, new RegExp(`^${escapeRe(bert.userId)}: you have no tries left`));
  // A good answer after that does not count; someone else can still pass in this lobby.
  await bert.client.sendText(roomId, haikuWith(keyword));
  const cleo = await Newcomer.register(hs, community, "Cleo");
  const second = await joinAndReadChallenge(cleo, alias);
  await cleo.client.sendText(roomId, haikuWith(second.keyword));
  await botSays(cleo, roomId, /passed!/);
  const lobby = (await lobbiesOf()).find((l) => l.roomId === roomId);
  assert.equal(lobby?.passedBy, cleo.userId);
  assert.equal(lobby?.guests[bert.userId]?.triesLeft, 0);
  assert.equal(await community.botClient.membership(community.spaceId, bert.userId), undefined);
  // Prometheus counts every outcome seen so far.
  const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
  for (const outcome of ["opened", "passed", "failed"]) {
    const count = new RegExp(`anteroom_lobby_outcomes_total\\{outcome="${outcome}"\\} (\\d+)`).exec(
      metrics,
    )?.[1];
    assert.ok(Number(count) >= 1, `lobby ${outcome} is counted`);
  }
});

test("the join page and link previews spend nothing; a bad or used-up code makes no room", async () => {
  const roomsBefore = (await botRooms()).length;
  const lobbiesBefore = (await lobbiesOf()).length;
  for (const agent of ["Mozilla/5.0", "Slackbot-LinkExpanding 1.0", "facebookexternalhit/1.1"]) {
    const page = await fetch(`${daemon.url}/join?code=PREVIEW`, {
      headers: { "user-agent": agent },
    });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /only the button does/);
  }
  assert.equal((await fetch(`${daemon.url}/`)).status, 200);
  assert.equal((await codesOf()).PREVIEW?.uses_remaining, 1);

  for (const code of ["NOT-A-CODE", "SPENT"]) {
    const answer = await requestLobby(code);
    assert.equal(answer.status, 403);
    assert.equal(answer.json.error, "invalid_code");
    assert.equal(typeof answer.json.message, "string");
  }
  const bad = await fetch(`${daemon.url}/join/api`, { method: "POST", body: "{oops" });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: string }).error, "bad_json");
  assert.equal((await requestLobby("")).json.error, "missing_code");
  assert.equal((await botRooms()).length, roomsBefore);
  assert.equal((await lobbiesOf()).length, lobbiesBefore);
});

test("100 parallel requests for a one-use code: exactly one room", async () => {
  const roomsBefore = new Set(await botRooms());
  const answers = await Promise.all(Array.from({ length: 100 }, () => requestLobby("ONE")));
  const ok = answers.filter((a) => a.status === 200);
  assert.equal(ok.length, 1);
  assert.ok(answers.every((a) => a.status === 200 || a.json.error === "invalid_code"));
  assert.equal((await codesOf()).ONE?.uses_remaining, 0);
  const lobbies = (await lobbiesOf()).filter((l) => l.code === "ONE");
  assert.equal(lobbies.length, 1);
  const newRooms = (await botRooms()).filter((room) => !roomsBefore.has(room));
  assert.deepEqual(newRooms, [ok[0]?.json.room_id]);
});

test("a lobby nobody passes times out: a message, then the bot leaves", async () => {
  const other = await createCommunity(hs, { children: 1 });
  const short = await TestDaemon.start(hs, other, {
    env: {
      INITIAL_CODES: JSON.stringify({ SOON: { uses_remaining: 1, label: "soon" } }),
      LOBBY_CHALLENGE_DELAY_SEC: "1",
      LOBBY_TIMEOUT_SEC: "8",
    },
  });
  try {
    const { alias } = await openLobby("SOON", short);
    const dana = await Newcomer.register(hs, other, "Dana");
    const { roomId } = await joinAndReadChallenge(dana, alias);
    await botSays(dana, roomId, /time is up/);
    await waitFor(
      async () =>
        (await dana.client.getState(roomId, "m.room.member", other.bot.userId))?.membership ===
        "leave",
      { what: "the bot to leave the timed-out lobby", timeoutMs: 30_000 },
    );
    const [lobby] = await lobbiesOf(short.dataDir);
    assert.equal(lobby?.phase, "timed_out");
  } finally {
    await short.stop();
  }
});

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
