// Swapping the reference approver for anteroom on the same volume and .env, against the real
// Synapse. The "reference volume" is built here the way the reference left it: a newcomer who
// knocked with a code, joined the vetting room the reference made and already sent one wrong
// reply; an open lobby with one person challenged; its books, audit log and other files.
// anteroom then starts on it: nothing is charged or opened twice, the old reply is not judged
// again, both people finish where they were, and the audit log goes on in the same file.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { Newcomer, haikuWith } from "../harness/newcomer-flow.js";
import { waitFor } from "../harness/wait.js";
import { http as call } from "../unit/admin-fakes.js";
import type { EngineSnapshot } from "../../core/api.js";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon | undefined;
let dataDir: string;
let ada: Newcomer; // knocked, in the reference's vetting room, one wrong reply
let bo: Newcomer; // in the reference's lobby, challenged, one wrong reply
let cy: Newcomer; // knocked with a wrong code: the reference logged it and left the knock pending
let vettingRoom: string;
let lobbyRoom: string;
let referenceLog: string;

const CODE = "SPRING-7Q2X";
const WRONG = haikuWith("kettle");

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 1 });
  dataDir = await mkdtemp(join(tmpdir(), "anteroom-reference-volume-"));
  const bot = community.botClient;
  const created = Date.now() / 1000 - 600;

  // The knock path as the reference ran it: knock with the code, a private_chat room with the
  // newcomer invited, the challenge, and one wrong reply answered.
  ada = await Newcomer.register(hs, community, "Ada");
  await ada.knock(CODE);
  vettingRoom = await bot.createRoom({
    preset: "private_chat",
    room_version: "11",
    name: "vetting: Ada",
    invite: [ada.userId],
  });
  await bot.sendText(
    vettingRoom,
    'hi — write a 3-line haiku about: Lighthouse\ninclude the word "beacon". 3 tries left.',
  );
  await ada.client.join(vettingRoom);
  await ada.client.sendText(vettingRoom, WRONG);
  await bot.sendText(vettingRoom, 'not yet — include the word "beacon". 2 tries left.');

  // The lobby path: a public_chat room kept out of the directory, reached by its alias.
  const aliasLocalpart = `shape-rotator-lobby-${Math.random().toString(36).slice(2, 10)}`;
  lobbyRoom = await bot.createRoom({
    preset: "public_chat",
    visibility: "private",
    room_alias_name: aliasLocalpart,
    room_version: "11",
    name: "lobby",
    initial_state: [
      {
        type: "m.room.history_visibility",
        state_key: "",
        content: { history_visibility: "world_readable" },
      },
    ],
  });
  bo = await Newcomer.register(hs, community, "Bo");
  await bo.client.join(`#${aliasLocalpart}:${hs.serverName}`);
  await bot.sendText(
    lobbyRoom,
    `${bo.userId}: write a 3-line haiku about: Orchards\ninclude the word "blossom". 3 tries left.`,
  );
  await bo.client.sendText(lobbyRoom, WRONG);
  await bot.sendText(
    lobbyRoom,
    `${bo.userId}: not yet — include the word "blossom". 2 tries left.`,
  );

  cy = await Newcomer.register(hs, community, "Cy");
  await cy.knock("NOT-A-CODE");

  await writeJson("codes.json", { [CODE]: { uses_remaining: 4, label: "spring meetup" } });
  await writeJson("signup_codes.json", {
    WELCOME9: {
      uses_remaining: 10,
      label: "welcome:@old:example.org",
      inviter: "@old:example.org",
    },
  });
  await writeJson("vetting.json", {
    [vettingRoom]: {
      mxid: ada.userId,
      code: CODE,
      created,
      title: "Lighthouse",
      keyword: "beacon",
      tries_left: 2,
      promoted: false,
      closed: false,
      displayname: "Ada",
    },
  });
  await writeJson("lobby.json", {
    [lobbyRoom]: {
      alias: aliasLocalpart,
      code: CODE,
      created,
      title: "Orchards",
      keyword: "blossom",
      challenged: [bo.userId],
      tries: { [bo.userId]: 2 },
      promoted: false,
      closed: false,
      displaynames: { [bo.userId]: "Bo" },
      challenge_sent_ts: { [bo.userId]: created + 5 },
      challenge_resends: {},
    },
  });
  referenceLog =
    [
      {
        ts: created - 1,
        type: "admin_mint",
        kind: "knock",
        n: 1,
        uses: 5,
        minted_by: "@op:x",
        label: "spring meetup",
        codes: [CODE],
      },
      {
        ts: created,
        type: "vetting_room_created",
        user: ada.userId,
        code: CODE,
        room: vettingRoom,
        title: "Lighthouse",
        keyword: "beacon",
      },
      {
        ts: created,
        type: "lobby_created",
        room: lobbyRoom,
        alias: aliasLocalpart,
        code: CODE,
        title: "Orchards",
        keyword: "blossom",
      },
      {
        ts: created + 5,
        type: "lobby_challenge_sent",
        user: bo.userId,
        room: lobbyRoom,
        title: "Orchards",
        keyword: "blossom",
      },
      {
        ts: created + 60,
        type: "knock_rejected",
        user: cy.userId,
        room: community.spaceId,
        reason: "bad_code",
      },
    ]
      .map((line) => JSON.stringify(line))
      .join("\n") + "\n";
  await writeFile(join(dataDir, "log.jsonl"), referenceLog);
  await writeFile(join(dataDir, "sync_since.txt"), "s72594_4483_1934_1_1_1_1_1_1");
  await writeFile(join(dataDir, "lobby_sync_since.txt"), "s72594_4483_1934");
  await writeJson("operator_announce.json", { announced: true });
  await writeFile(join(dataDir, "bot_crypto.db"), Buffer.from([0x53, 0x51, 0x4c, 0, 1, 2, 3]));

  // The reference's .env, as an operator would keep it.
  daemon = await TestDaemon.start(hs, community, {
    dataDir,
    env: {
      VETTING_MAX_TRIES: "3",
      VETTING_TIMEOUT_SEC: "7200",
      LOBBY_MAX_TRIES: "3",
      LOBBY_TIMEOUT_SEC: "7200",
      LOBBY_CHALLENGE_DELAY_SEC: "1",
      LOBBY_RESEND_AFTER_SEC: "120",
      LOBBY_ALIAS_PREFIX: "shape-rotator-lobby-",
      LOBBY_WELCOME_CODE_USES: "10",
      SERVER_NAME: hs.serverName,
      ONBOARDING_INVITER_MXID: community.bot.userId,
      ADMIN_COMMAND_ROOM: community.spaceId,
      FEED_ROOM: community.spaceId,
      SYNC_STATE: join(dataDir, "sync_since.txt"),
      LOBBY_SYNC_STATE: join(dataDir, "lobby_sync_since.txt"),
      CRYPTO_DB: join(dataDir, "bot_crypto.db"),
      OPERATOR_ANNOUNCE_PATH: join(dataDir, "operator_announce.json"),
    },
  });
});

after(async () => {
  await daemon?.stop();
  await hs?.stop();
});

function writeJson(file: string, value: unknown): Promise<void> {
  return writeFile(join(dataDir, file), JSON.stringify(value, null, 2));
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(join(dataDir, file), "utf8")) as T;
}

async function snapshot(): Promise<EngineSnapshot> {
  const answer = await call(
    { socketPath: join(dataDir, "admin.sock") },
    "GET",
    "/admin/v1/snapshot",
  );
  return answer.json as unknown as EngineSnapshot;
}

test("the daemon starts on the reference volume and keeps its files, with backups of the two it rewrites", async () => {
  const files = await readdir(dataDir);
  assert.ok(
    files.some((f) => f.startsWith("vetting.json.reference-")),
    files.join(" "),
  );
  assert.ok(
    files.some((f) => f.startsWith("lobby.json.reference-")),
    files.join(" "),
  );
  for (const kept of [
    "sync_since.txt",
    "lobby_sync_since.txt",
    "operator_announce.json",
    "bot_crypto.db",
  ])
    assert.ok(files.includes(kept), `${kept} is left alone`);
  assert.equal(
    await readFile(join(dataDir, "sync_since.txt"), "utf8"),
    "s72594_4483_1934_1_1_1_1_1_1",
  );
  const health = await fetch(`${daemon!.url}/health`);
  assert.equal(health.status, 200);
  assert.equal(await health.text(), "ok");
  assert.ok(daemon!.logged(/reference approver setting that anteroom does not use/));
});

test("the pending knock is not charged again and gets no second room; the old wrong reply is not judged again", async () => {
  const key = `reference:${vettingRoom}`;
  // The knock still pending on the space is seen, and recognised as the carried-over vetting's.
  const state = await waitFor(
    async () => {
      const snap = await snapshot();
      const knock = snap.records.find((r) => r.user === ada.userId && r.key !== key);
      return knock ? snap : undefined;
    },
    { what: "the pending knock to be decided", timeoutMs: 30_000 },
  );
  const mine = state.records.filter((r) => r.user === ada.userId);
  assert.equal(mine.find((r) => r.key === key)?.phase, "open");
  assert.equal(mine.find((r) => r.key === key)?.triesLeft, 2, "the old wrong reply cost no try");
  assert.deepEqual(
    mine.filter((r) => r.key !== key).map((r) => r.phase),
    ["superseded"],
  );
  assert.ok(!mine.some((r) => r.key !== key && r.roomId), "no second vetting room");
  assert.equal(state.codes[CODE]?.uses_remaining, 4, "the code is not charged again");
  assert.equal(
    (await readJson<Record<string, { uses_remaining: number }>>("codes.json"))[CODE]
      ?.uses_remaining,
    4,
  );
});

test("a knock the reference rejected and left pending is now denied, with a reason", async () => {
  const denied = await cy.client.waitForLeave(community.spaceId, 30_000);
  assert.match(String(denied?.content?.reason), /not valid/);
});

test("the newcomer answers well in the reference's vetting room and is invited to the space", async () => {
  await ada.client.sendText(vettingRoom, haikuWith("beacon"));
  await ada.client.waitForInvite(community.spaceId, 30_000);
  const snap = await snapshot();
  assert.equal(snap.records.find((r) => r.key === `reference:${vettingRoom}`)?.phase, "passed");
});

test("the open lobby carries on: its challenged person keeps their tries, answers well and is invited", async () => {
  const lobbyKey = `lobby:reference:${lobbyRoom}`;
  const before = (await snapshot()).lobbies.find((l) => l.key === lobbyKey);
  assert.equal(before?.phase, "open");
  assert.equal(before?.guests[bo.userId]?.triesLeft, 2, "the old wrong reply cost no try");
  assert.equal(before?.alias?.startsWith("#shape-rotator-lobby-"), true);
  await bo.client.sendText(lobbyRoom, haikuWith("blossom"));
  await bo.client.waitForInvite(community.spaceId, 30_000);
  const lobby = (await snapshot()).lobbies.find((l) => l.key === lobbyKey);
  assert.equal(lobby?.phase, "passed");
  assert.equal(lobby?.passedBy, bo.userId);
});

test("log.jsonl keeps the reference's lines and goes on in the same shape", async () => {
  const text = await waitFor(
    async () => {
      const now = await readFile(join(dataDir, "log.jsonl"), "utf8");
      return now.includes(`"user":"${bo.userId}"`) && now.includes('"promoted"') ? now : undefined;
    },
    { what: "the promotions in the audit log", timeoutMs: 15_000 },
  );
  assert.ok(text.startsWith(referenceLog), "the old lines are untouched");
  const added = text
    .slice(referenceLog.length)
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.ok(added.length > 0);
  for (const record of added) {
    assert.equal(typeof record.ts, "number");
    assert.equal(typeof record.type, "string");
  }
  const carried = added.filter((r) => r.type === "reference_carried_over").map((r) => r.file);
  assert.deepEqual(carried.sort(), ["lobby.json", "vetting.json"]);
  assert.ok(added.some((r) => r.type === "promoted" && r.user === ada.userId));
  assert.ok(added.some((r) => r.type === "promoted" && r.user === bo.userId));
});

test("a new lobby after the switch takes the reference's alias prefix and answers in anteroom's shape", async () => {
  const res = await fetch(`${daemon!.url}/join/api`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code: CODE }),
  });
  const answer = (await res.json()) as Record<string, unknown>;
  assert.equal(res.status, 200, JSON.stringify(answer));
  assert.match(String(answer.alias), /^#shape-rotator-lobby-[0-9a-f]{24}:/);
  assert.equal(answer.keyword, undefined, "the keyword is given in the room, not to the asker");
  const codes = await readJson<Record<string, { uses_remaining: number }>>("codes.json");
  assert.equal(codes[CODE]?.uses_remaining, 3, "this request, and only it, spent a use");
});
