import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { Newcomer, haikuWith } from "../harness/newcomer-flow.js";
import { waitFor } from "../harness/wait.js";
import { http as call } from "../unit/admin-fakes.js";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;

const CODES = {
  FRIENDS: { uses_remaining: 20, label: "friends" },
  ONCE: { uses_remaining: 1, label: "single" },
  SPENT: { uses_remaining: 0, label: "spent" },
};

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 2 });
  daemon = await TestDaemon.start(hs, community, {
    env: { INITIAL_CODES: JSON.stringify(CODES), VETTING_TIMEOUT_SEC: "3600", KNOCK_HOLD_SEC: "3" },
  });
});

after(async () => {
  await daemon?.stop();
  await hs?.stop();
});

async function auditLog(): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(daemon.dataDir, "log.jsonl"), "utf8");
  return text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test("a knock with a code becomes a member of the space and its child rooms", async () => {
  const newcomer = await Newcomer.register(hs, community, "Ada");
  await newcomer.knock("FRIENDS");
  const challenge = await newcomer.readChallenge();
  assert.match(challenge.text, /3 tries left/);
  // The vetting room is private, unencrypted, with encryption locked at the bot's level.
  const levels = await newcomer.client.getState(challenge.roomId, "m.room.power_levels");
  assert.equal(levels.events["m.room.encryption"], 200);
  assert.equal(levels.users[community.bot.userId], 200);
  assert.equal(levels.users[newcomer.userId] ?? levels.users_default, 0);
  assert.equal(await newcomer.client.getState(challenge.roomId, "m.room.encryption"), undefined);
  assert.equal(
    (await newcomer.client.getState(challenge.roomId, "m.room.join_rules")).join_rule,
    "invite",
  );
  const spaceChildren = await community.botClient.getState(
    community.spaceId,
    "m.space.child",
    challenge.roomId,
  );
  assert.equal(spaceChildren, undefined, "a vetting room is not a child of the space");
  const alias: unknown = (
    await newcomer.client.getState(challenge.roomId, "m.room.canonical_alias")
  )?.alias;
  assert.ok(typeof alias === "string" && alias.startsWith("#anteroom-vet-"), `alias ${alias}`);

  await newcomer.reply(challenge, haikuWith(challenge.keyword));
  const ack = await newcomer.botSays(challenge, /^passed!/);
  // The welcome signup code, to pass on: in the signup book, linked in the acknowledgement.
  const welcome = /\/signup\?code=([A-Z2-9]{10}) /.exec(ack + " ")?.[1] ?? "";
  const signupCodes = JSON.parse(await readFile(join(daemon.dataDir, "signup_codes.json"), "utf8"));
  assert.equal(signupCodes[welcome]?.label, `welcome:${newcomer.userId}`);
  assert.equal(signupCodes[welcome]?.uses_remaining, 10);
  await newcomer.client.waitForInvite(community.spaceId);
  await newcomer.client.join(community.spaceId);
  for (const child of community.childIds) {
    await newcomer.client.waitForInvite(child);
    await newcomer.client.join(child);
  }
  assert.equal(
    await community.botClient.membership(community.childIds[0] ?? "", newcomer.userId),
    "join",
  );
  // The bot leaves the finished room after the newcomer had a moment to read.
  await waitFor(
    async () =>
      (await newcomer.client.getState(challenge.roomId, "m.room.member", community.bot.userId))
        ?.membership === "leave",
    {
      what: "the bot to leave the vetting room",
    },
  );
  // The room's alias only served to find it again after a crash: freed once the room is done.
  await assert.rejects(
    newcomer.client.request("GET", `/directory/room/${encodeURIComponent(alias)}`),
    /404|M_NOT_FOUND/,
  );
  const log = await auditLog();
  const mine = log.filter((r) => r.user === newcomer.userId).map((r) => r.type);
  assert.deepEqual(mine.slice(0, 3), ["knock_received", "code_redeemed", "vetting_room_created"]);
  assert.ok(mine.includes("promoted"));
  assert.ok(log.every((r) => typeof r.ts === "number" && typeof r.type === "string"));
});

test("wrong answers use up the tries, then the knock is denied with a reason", async () => {
  const newcomer = await Newcomer.register(hs, community, "Bert");
  await newcomer.knock("FRIENDS");
  const challenge = await newcomer.readChallenge();
  await newcomer.reply(challenge, "just one line");
  assert.match(
    await newcomer.botSays(challenge, /^not yet/),
    /^not yet — a haiku has 3 lines, yours has 1\. 2 tries left\.$/,
  );
  await newcomer.reply(challenge, haikuWith("zzzz"));
  await newcomer.botSays(challenge, /1 try left/);
  await newcomer.reply(challenge, haikuWith("zzzz"));
  await newcomer.botSays(challenge, /no tries left/);
  const leave = await newcomer.client.waitForLeave(community.spaceId);
  assert.match(String(leave?.content?.reason), /not passed/);
  assert.ok(
    (await auditLog()).some((r) => r.type === "vetting_failed" && r.user === newcomer.userId),
  );
});

test("a wrong or used-up code is denied at once, and a knock again with the right code works", async () => {
  const wrong = await Newcomer.register(hs, community, "Cleo");
  await wrong.knock("NOT-A-CODE");
  const denied = await wrong.client.waitForLeave(community.spaceId);
  assert.match(String(denied?.content?.reason), /not valid/);
  await wrong.knock("FRIENDS");
  await wrong.readChallenge();

  const spent = await Newcomer.register(hs, community, "Dan");
  await spent.knock("SPENT");
  assert.match(
    String((await spent.client.waitForLeave(community.spaceId))?.content?.reason),
    /no uses left/,
  );
  const log = await auditLog();
  assert.ok(
    log.some(
      (r) => r.type === "knock_rejected" && r.user === wrong.userId && r.reason === "unknown_code",
    ),
  );
  assert.ok(
    log.some(
      (r) => r.type === "knock_rejected" && r.user === spent.userId && r.reason === "used_up",
    ),
  );
});

test("a knock with no reason waits for a moderator, then is denied with a reason", async () => {
  const quiet = await Newcomer.register(hs, community, "Eve");
  await quiet.knock();
  const denied = await quiet.client.waitForLeave(community.spaceId, 15_000);
  assert.match(String(denied?.content?.reason), /no invite code/);
  assert.ok((await auditLog()).some((r) => r.type === "knock_held" && r.user === quiet.userId));
});

test("newcomers racing for a code with one use left get exactly one vetting room", async () => {
  const racers = await Promise.all(
    [1, 2, 3, 4, 5].map((i) => Newcomer.register(hs, community, `Racer ${i}`)),
  );
  await Promise.all(racers.map((r) => r.knock("ONCE")));
  const outcomes = await Promise.all(
    racers.map((r) =>
      Promise.race([
        r.vettingInvite(20_000).then(() => "room"),
        r.client.waitForLeave(community.spaceId, 20_000).then(() => "denied"),
      ]),
    ),
  );
  assert.equal(outcomes.filter((o) => o === "room").length, 1);
  assert.equal(outcomes.filter((o) => o === "denied").length, 4);
  const codes = JSON.parse(await readFile(join(daemon.dataDir, "codes.json"), "utf8"));
  assert.equal(codes.ONCE.uses_remaining, 0);
});

test("hostile reasons, names and replies are data: stored verbatim, never a secret in the log", async () => {
  const hostile = '\u001b]0;owned\u0007\u001b[2J\r\u202e"},{"type":"promoted"}';
  const newcomer = await Newcomer.register(hs, community, `\u001b[31mRed\u001b[0m\u202e`);
  await newcomer.knock(hostile);
  await newcomer.client.waitForLeave(community.spaceId);
  const log = await auditLog();
  const received = log.find((r) => r.type === "knock_received" && r.user === newcomer.userId);
  assert.equal(received?.reason, hostile);
  assert.ok(!log.some((r) => r.type === "promoted" && r.user === undefined));
  const raw = await readFile(join(daemon.dataDir, "log.jsonl"), "utf8");
  assert.ok(
    !raw.includes(community.bot.accessToken),
    "the bot's token is never written to the audit log",
  );
});

test("a knock reason longer than 1 KiB is kept cut to 1 KiB on a character boundary, in the record and the audit log", async () => {
  const newcomer = await Newcomer.register(hs, community, "Verbose");
  // 8 bytes, then 4 bytes a flower: 254 flowers fill the 1024 bytes exactly.
  await newcomer.knock(`FRIENDS ${"🌸".repeat(3000)}`);
  const kept = `FRIENDS ${"🌸".repeat(254)}`;
  await newcomer.readChallenge();
  const received = await waitFor(
    async () =>
      (await auditLog()).find((r) => r.type === "knock_received" && r.user === newcomer.userId),
    { what: "the knock_received audit entry", timeoutMs: 30_000 },
  );
  assert.equal(received.reason, kept);
  // The record as the console and the admin API show it.
  const snapshot = await call(
    { socketPath: join(daemon.dataDir, "admin.sock") },
    "GET",
    "/admin/v1/snapshot",
  );
  const record = (snapshot.json.records as { user: string; reason: string }[]).find(
    (r) => r.user === newcomer.userId,
  );
  assert.equal(record?.reason, kept);
});

test("a second engine on the same data dir refuses to start and says how to attach", async () => {
  const second = await TestDaemon.start(hs, community, {
    dataDir: daemon.dataDir,
    waitReady: false,
  });
  const { exitCode, stderr } = await second.exited();
  assert.equal(exitCode, 2);
  assert.match(stderr, /another anteroom .*owns/);
});

test("a malformed code book edited by hand is reported and nothing is wiped", async () => {
  const path = join(daemon.dataDir, "codes.json");
  const before = JSON.parse(await readFile(path, "utf8"));
  await writeFile(path, '{"FRIENDS": {"uses_remaining": "lots"');
  await waitFor(() => daemon.logged(/codes\.json is not valid/), {
    what: "the bad edit to be reported",
  });
  // Knocks go on with the last good book.
  const newcomer = await Newcomer.register(hs, community, "Fay");
  await newcomer.knock("FRIENDS");
  await newcomer.readChallenge();
  const after = JSON.parse(await readFile(path, "utf8"));
  assert.equal(after.FRIENDS.uses_remaining, before.FRIENDS.uses_remaining - 1);
  // A daemon starting on a bad book refuses, naming the file, and leaves it alone.
  await writeFile(path, "{oops");
  const fresh = await createCommunity(hs, { children: 0 });
  const other = await TestDaemon.start(hs, fresh, { waitReady: false, env: { CODES_PATH: path } });
  const { exitCode, stderr } = await other.exited();
  assert.equal(exitCode, 2);
  assert.match(stderr, /codes\.json is not valid/);
  assert.equal(await readFile(path, "utf8"), "{oops");
});

test("a silent newcomer gets a reminder, then the room times out and the knock is denied", async () => {
  const quick = await createCommunity(hs, { children: 0 });
  const timing = await TestDaemon.start(hs, quick, {
    env: {
      INITIAL_CODES: JSON.stringify({ QUICK: { uses_remaining: 1, label: "" } }),
      VETTING_TIMEOUT_SEC: "6",
      VETTING_REMINDER_SEC: "3",
    },
  });
  try {
    const newcomer = await Newcomer.register(hs, quick, "Slow");
    await newcomer.knock("QUICK");
    const challenge = await newcomer.readChallenge();
    assert.match(challenge.text, /closes in 6 seconds/);
    const reminder = await newcomer.botSays(challenge, /^reminder:/);
    assert.match(reminder, /write a 3-line haiku about: /);
    await newcomer.botSays(challenge, /time is up/);
    const denied = await newcomer.client.waitForLeave(quick.spaceId);
    assert.match(String(denied?.content?.reason), /timed out/);
  } finally {
    await timing.stop();
  }
});

test("/metrics counts the decisions, the vetting latency and the HTTP requests", async () => {
  const text = await (await fetch(`${daemon.url}/metrics`)).text();
  const value = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? "NaN");
  assert.ok(value(/anteroom_audit_records_total\{type="knock_received",reason=""\} (\d+)/) >= 5);
  assert.ok(
    value(/anteroom_audit_records_total\{type="knock_rejected",reason="unknown_code"\} (\d+)/) >= 1,
  );
  assert.ok(value(/anteroom_knock_to_vetting_room_seconds_count (\d+)/) >= 3);
  assert.ok(value(/anteroom_vetting_duration_seconds_count\{outcome="passed"\} (\d+)/) >= 1);
  assert.match(
    text,
    /anteroom_http_request_seconds_count\{route="\/healthz",method="GET",status="200"\}/,
  );
  assert.match(text, /process_resident_memory_bytes/);
});
