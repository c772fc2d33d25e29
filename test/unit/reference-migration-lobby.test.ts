import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { carryOverLobbyBook, hasReferenceLobbies } from "../../core/migration/reference-lobby.js";
import {
  referenceSettingsIgnored,
  UNSUPPORTED_REFERENCE_SETTINGS,
} from "../../core/migration/reference-env.js";
import {
  openingLobby,
  stepLobby,
  type LobbyRecord,
  type LobbySettings,
} from "../../core/lobby/record.js";
import { DEFAULT_HAIKU_RULES } from "../../core/challenge/judge.js";
import { openLobbyBook, parseLobbyBook } from "../../src/store/books.js";
import { carryOverReferenceLobbies } from "../../src/store/reference-migration.js";
import { loadConfig, SETTING_NAMES } from "../../src/config.js";

const now = Date.UTC(2026, 10, 23, 12, 0, 0);
const createdSec = now / 1000 - 900;
const OPEN = "!lobbyopen:hs.example";

/** A reference lobby.json with one lobby of each outcome, using every field the reference writes. */
const referenceBook = {
  [OPEN]: {
    alias: "shape-rotator-lobby-k3j9x2",
    code: "LOBBY24",
    created: createdSec,
    title: "Lighthouse",
    keyword: "beacon",
    challenged: ["@eve:hs.example"],
    tries: { "@eve:hs.example": 2, "@fay:hs.example": 0 },
    promoted: false,
    closed: false,
    displaynames: { "@eve:hs.example": "Eve", "@fay:hs.example": "Fay" },
    challenge_sent_ts: { "@eve:hs.example": createdSec + 6, "@fay:hs.example": createdSec + 30 },
    challenge_resends: { "@eve:hs.example": 1 },
  },
  "!lobbypassed:hs.example": {
    alias: "shape-rotator-lobby-p4ss3d",
    code: "LOBBY24",
    created: createdSec - 3600,
    title: "Tides",
    keyword: "moon",
    challenged: [],
    tries: { "@gil:hs.example": 3 },
    promoted: true,
    closed: true,
    displaynames: { "@gil:hs.example": "Gil" },
    challenge_sent_ts: { "@gil:hs.example": createdSec - 3590 },
    challenge_resends: {},
    promoted_at: createdSec - 3500,
    promoted_user: "@gil:hs.example",
    closed_reason: "promoted",
  },
  "!lobbymember:hs.example": {
    alias: "shape-rotator-lobby-m3mb3r",
    code: "OLD",
    created: createdSec - 7000,
    title: "Rivers",
    keyword: "delta",
    challenged: [],
    tries: {},
    promoted: false,
    closed: true,
    closed_reason: "already_member",
  },
  "!lobbylate:hs.example": {
    alias: "shape-rotator-lobby-l4t3",
    code: "OLD",
    created: createdSec - 90_000,
    title: "Snow",
    keyword: "drift",
    challenged: ["@hal:hs.example"],
    tries: { "@hal:hs.example": 3 },
    promoted: false,
    closed: true,
    closed_reason: "timeout",
  },
};

const settings: LobbySettings = {
  maxTries: 3,
  lifetimeSec: 7200,
  challengeDelaySec: 5,
  farewellDelaySec: 10,
  rules: DEFAULT_HAIKU_RULES,
  welcome: { uses: 0, linkBase: "https://hs.example" },
};
const context = {
  now,
  lifetimeSec: 7200,
  maxTries: 3,
  serverName: "hs.example",
  codeLabel: (code: string) => (code === "LOBBY24" ? "spring meetup" : undefined),
};
const good = "the beacon turns slow\nits light across the dark sea\nships find their way home";
const bad = "the lamp turns slowly\nits light across the dark sea\nships find their way home";

function openCarried(): LobbyRecord {
  const book = carryOverLobbyBook(referenceBook, context).book;
  return parseLobbyBook({ key: book[`lobby:reference:${OPEN}`] }).key!;
}

test("a reference lobby.json is recognised; anteroom's own lobby book is not", () => {
  assert.equal(hasReferenceLobbies(referenceBook), true);
  assert.equal(hasReferenceLobbies(carryOverLobbyBook(referenceBook, context).book), false);
  assert.equal(hasReferenceLobbies({}), false);
  assert.equal(hasReferenceLobbies([]), false);
});

test("every reference lobby carries over with its outcome, and the result is a valid lobby book", () => {
  const carried = carryOverLobbyBook(referenceBook, context);
  assert.equal(carried.open, 1);
  assert.equal(carried.closed, 3);
  assert.deepEqual(carried.skipped, []);
  const book = parseLobbyBook(JSON.parse(JSON.stringify(carried.book)));
  const passed = book["lobby:reference:!lobbypassed:hs.example"];
  assert.equal(passed?.phase, "passed");
  assert.equal(passed?.passedBy, "@gil:hs.example");
  assert.equal(passed?.closedAt, (createdSec - 3500) * 1000);
  assert.equal(book["lobby:reference:!lobbymember:hs.example"]?.outcome, "already_member");
  assert.equal(book["lobby:reference:!lobbylate:hs.example"]?.phase, "timed_out");
});

test("an open reference lobby goes on in its room, with its challenge, alias, code and lifetime", () => {
  const lobby = openCarried();
  assert.equal(lobby.phase, "open");
  assert.equal(lobby.roomId, OPEN);
  assert.equal(lobby.alias, "#shape-rotator-lobby-k3j9x2:hs.example");
  assert.deepEqual(lobby.challenge, { topic: "Lighthouse", keyword: "beacon" });
  assert.equal(lobby.code, "LOBBY24");
  assert.equal(lobby.codeLabel, "spring meetup");
  assert.equal(lobby.requestedAt, createdSec * 1000);
  assert.equal(lobby.expiresAt, (createdSec + 7200) * 1000);
  assert.deepEqual(lobby.guests["@eve:hs.example"], {
    triesLeft: 2,
    joined: true,
    challenged: true,
  });
  assert.equal(lobby.guests["@fay:hs.example"]?.triesLeft, 0);
});

test("people the reference challenged are not challenged again; a newcomer to the room is", () => {
  const next = stepLobby(
    openCarried(),
    { type: "members", joined: ["@eve:hs.example", "@fay:hs.example", "@ivy:hs.example"], now },
    settings,
  );
  assert.equal(next.lobby.guests["@eve:hs.example"]?.challengeDueAt, undefined);
  assert.equal(next.lobby.outbox.length, 0, "nothing said to Eve or Fay");
  assert.equal(next.lobby.guests["@ivy:hs.example"]?.challengeDueAt, now + 5000);
});

test("replies the reference already judged are not judged again; new ones are, with the tries left", () => {
  const lobby = openCarried();
  const reply = (eventId: string, body: string, sentAt: number) =>
    stepLobby(
      lobby,
      {
        type: "reply",
        eventId,
        sender: "@eve:hs.example",
        body,
        displayName: "Eve",
        sentAt,
        now: now + 2000,
      },
      settings,
    );
  const old = reply("$old", bad, now - 60_000);
  assert.equal(old.lobby.guests["@eve:hs.example"]?.triesLeft, 2);
  assert.equal(old.audit.length, 0);
  assert.equal(reply("$new", bad, now + 1000).lobby.guests["@eve:hs.example"]?.triesLeft, 1);
  const passed = reply("$good", good, now + 1000);
  assert.equal(passed.lobby.phase, "passed");
  assert.deepEqual(
    passed.lobby.outbox.map((pending) => pending.effect.kind),
    ["admitToCommunity", "send", "leaveRoom"],
  );
});

test("an open lobby without its challenge, or keyed by something else, is skipped or left alone", () => {
  const ours = openingLobby(
    { key: "lobby:r1", code: "ABC", codeLabel: "friends", now },
    { topic: "t", keyword: "k" },
    settings,
  ).lobby;
  const carried = carryOverLobbyBook(
    {
      "!nochallenge:hs": { alias: "x", code: "C", created: createdSec, challenged: [], tries: {} },
      [ours.key]: ours,
    },
    context,
  );
  assert.deepEqual(
    carried.skipped.map((s) => s.roomId),
    ["!nochallenge:hs"],
  );
  assert.deepEqual(Object.keys(carried.book), [ours.key]);
});

test("without a server name the alias is left out rather than guessed", () => {
  const { serverName: _, ...noServer } = context;
  const book = carryOverLobbyBook(referenceBook, noServer).book;
  const lobby = parseLobbyBook({ k: book[`lobby:reference:${OPEN}`] }).k;
  assert.equal(lobby?.alias, undefined);
  assert.equal(lobby?.phase, "open");
});

test("the data-dir lobby.json is rewritten in anteroom's shape, keeping the original and anteroom's own lobbies", async () => {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-lobby-migration-"));
  const path = join(dir, "lobby.json");
  const ours = openingLobby(
    { key: "lobby:r1", code: "ABC", codeLabel: "friends", now },
    { topic: "t", keyword: "k" },
    settings,
  ).lobby;
  const original = JSON.stringify({ ...referenceBook, [ours.key]: ours }, null, 2);
  await writeFile(path, original);
  const result = await carryOverReferenceLobbies(path, context);
  assert.equal(result?.open, 1);
  assert.equal(result?.closed, 3);
  assert.equal(await readFile(result!.backup, "utf8"), original);
  const { store, foreign } = await openLobbyBook(path);
  assert.equal(foreign, 0, "nothing set aside as foreign");
  assert.equal(Object.keys(store.value).length, 5);
  assert.equal(store.value[ours.key]?.code, "ABC");
  // A second start finds anteroom's own book and changes nothing.
  assert.equal(await carryOverReferenceLobbies(path, context), undefined);
  assert.equal((await readdir(dir)).filter((f) => f.includes(".reference-")).length, 1);
});

test("reference settings anteroom does not use are named, blank ones are not", () => {
  assert.deepEqual(
    referenceSettingsIgnored({
      ONBOARDING_BOT_TOKEN: "syt_onboarding",
      SYNC_STATE: "/data/sync_since.txt",
      FEED_ROOM: " ",
      LOBBY_TIMEOUT_SEC: "7200",
    }),
    ["ONBOARDING_BOT_TOKEN", "SYNC_STATE"],
  );
});

test("no setting anteroom reads is listed as unsupported", () => {
  const both = Object.keys(UNSUPPORTED_REFERENCE_SETTINGS).filter((name) =>
    SETTING_NAMES.includes(name),
  );
  assert.deepEqual(both, []);
});

test("a reference .env loads: its extra settings are ignored, SERVER_NAME names the alias server", () => {
  const base = {
    HS: "http://127.0.0.1:8008",
    MATRIX_TOKEN: "t",
    SPACE_ID: "!space:hs.example",
    LOBBY_ALIAS_PREFIX: "shape-rotator-lobby-",
    ONBOARDING_BOT_TOKEN: "secret",
    SYNC_STATE: "/data/sync_since.txt",
  };
  const config = loadConfig(base);
  assert.equal(config.serverName, "hs.example", "from SPACE_ID when SERVER_NAME is unset");
  assert.deepEqual(config.ignoredReferenceSettings, ["ONBOARDING_BOT_TOKEN", "SYNC_STATE"]);
  assert.equal(config.lobbyAliasPrefix, "shape-rotator-lobby-");
  assert.throws(
    () => loadConfig({ ...base, LOBBY_ALIAS_PREFIX: "bad:prefix" }),
    /LOBBY_ALIAS_PREFIX/,
  );
  assert.equal(loadConfig({ ...base, SERVER_NAME: "chat.example" }).serverName, "chat.example");
});
