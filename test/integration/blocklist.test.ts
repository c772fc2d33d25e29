/**
 * The blocklist and policy lists at every door, against a real Synapse: knocks,
 * lobby joins and signups of blocked people are refused with a neutral reason
 * and spend nothing; a policy list followed live; the watchdog; `!block`.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { MatrixUserClient } from "../harness/newcomer.js";
import { Newcomer } from "../harness/newcomer-flow.js";
import { waitFor } from "../harness/wait.js";
import { denyReasons } from "../../core/challenge/messages.js";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;
let policyRoom: string;
let policyAdmin: MatrixUserClient;
let lurker: MatrixUserClient;
let mod: MatrixUserClient;

const NEUTRAL = denyReasons.blocked;
const uid = (localpart: string) => `@${localpart}:${hs.serverName}`;

async function spaceMember(localpart: string, powerLevel?: number): Promise<MatrixUserClient> {
  const user = await hs.registerUser(localpart, { displayName: localpart });
  const client = new MatrixUserClient(hs.url, user);
  await community.botClient.invite(community.spaceId, user.userId);
  await client.join(community.spaceId);
  if (powerLevel !== undefined) {
    const levels = await community.botClient.getState(community.spaceId, "m.room.power_levels");
    levels.users[user.userId] = powerLevel;
    await community.botClient.sendState(community.spaceId, "m.room.power_levels", "", levels);
  }
  return client;
}

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 1 });
  const admin = await hs.registerUser("policyadmin", { displayName: "Policy admin" });
  policyAdmin = new MatrixUserClient(hs.url, admin);
  policyRoom = await policyAdmin.createRoom({ name: "bans", preset: "public_chat" });
  lurker = await spaceMember("lurker");
  mod = await spaceMember("mod", 50);
  const dataDir = await mkdtemp(join(tmpdir(), "anteroom-blocklist-"));
  const entries = ["spammer", "lurker", "lobbyspam", "signupspam"].map((name) => ({
    pattern: uid(name),
    kind: "user",
  }));
  entries.push({ pattern: "Free Crypto", kind: "displayname" });
  await writeFile(join(dataDir, "blocklist.json"), JSON.stringify({ entries }));
  daemon = await TestDaemon.start(hs, community, {
    dataDir,
    env: {
      INITIAL_CODES: JSON.stringify({ WELCOME: { uses_remaining: 50, label: "launch" } }),
      INITIAL_SIGNUP_CODES: JSON.stringify({ JOINUS: { uses_remaining: 5, label: "friends" } }),
      REGISTRATION_TOKEN: hs.registrationToken,
      // The second list does not exist: reported, and the first works anyway.
      POLICY_LISTS: `${policyRoom},#no-such-list:${hs.serverName}`,
      WATCHDOG_ACTION: "kick",
      WATCHDOG_INTERVAL_SEC: "2",
      LOBBY_CHALLENGE_DELAY_SEC: "1",
      VETTING_TIMEOUT_SEC: "3600",
      SEND_MAX_PER_ROOM_PER_MIN: "200",
    },
  });
});

after(async () => {
  await daemon?.stop();
  await hs?.stop();
});

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(join(daemon.dataDir, file), "utf8")) as T;
}

const usesOf = async (file: string, code: string) =>
  (await readJson<Record<string, { uses_remaining: number }>>(file))[code]?.uses_remaining;

async function audit(): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(daemon.dataDir, "log.jsonl"), "utf8");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A GET on the admin API's unix socket. */
function adminGet(path: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socketPath = join(daemon.dataDir, "admin.sock");
    request({ socketPath, path, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve(JSON.parse(text) as Record<string, unknown>));
    })
      .on("error", reject)
      .end();
  });
}

/** Knocks with a valid code and returns the reason the knock was denied with. */
async function deniedKnock(localpart: string): Promise<string> {
  const newcomer = await Newcomer.register(hs, community, localpart, { localpart });
  await newcomer.knock("WELCOME");
  const leave = await newcomer.client.waitForLeave(community.spaceId, 20_000);
  return String(leave?.content?.reason);
}

test("a blocked user's knock is denied with the neutral reason and their code is not charged", async () => {
  const before = await usesOf("codes.json", "WELCOME");
  assert.equal(await deniedKnock("spammer"), NEUTRAL);
  assert.equal(await usesOf("codes.json", "WELCOME"), before);
  const records = await audit();
  const blocked = records.find((r) => r.type === "knock_blocked" && r.user === uid("spammer"));
  assert.match(String(blocked?.explanation), /is blocked/);
  assert.ok(!records.some((r) => r.type === "code_redeemed" && r.user === uid("spammer")));
});

test("a leet-speak variant of a blocked user on the same server is denied too", async () => {
  const before = await usesOf("codes.json", "WELCOME");
  assert.equal(await deniedKnock("5pamm3r"), NEUTRAL);
  assert.equal(await usesOf("codes.json", "WELCOME"), before);
});

test("a blocked user who joins a lobby is removed and never challenged", async () => {
  const res = await fetch(`${daemon.url}/join/api`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code: "WELCOME" }),
  });
  assert.equal(res.status, 200);
  const { alias } = (await res.json()) as { alias: string };
  const newcomer = await Newcomer.register(hs, community, "lobbyspam", { localpart: "lobbyspam" });
  const roomId = await newcomer.client.join(alias);
  const leave = await newcomer.client.waitForLeave(roomId, 20_000);
  assert.equal(leave?.content?.reason, NEUTRAL);
  const lobbies = await readJson<Record<string, { roomId?: string; guests: object }>>("lobby.json");
  const lobby = Object.values(lobbies).find((l) => l.roomId === roomId);
  assert.ok(lobby, "the lobby is on record");
  assert.ok(!(newcomer.userId in lobby.guests), "a blocked member is never a guest");
  const seen = newcomer.client.timeline(roomId).map((ev: { content?: { body?: string } }) => ev);
  assert.ok(!seen.some((ev) => /haiku/.test(String(ev.content?.body))), "no challenge was shown");
});

test("a blocked username's signup is refused with 403 before the code is spent", async () => {
  const before = await usesOf("signup_codes.json", "JOINUS");
  const res = await fetch(`${daemon.url}/signup/api`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      code: "JOINUS",
      username: "signupspam",
      password: "a long password 123",
    }),
  });
  assert.equal(res.status, 403);
  const body = (await res.json()) as { error: string; message: string };
  assert.equal(body.error, "not_allowed");
  assert.doesNotMatch(body.message, /block|list|spam/i);
  assert.equal(await usesOf("signup_codes.json", "JOINUS"), before);
});

test("the signup form refuses a blocked display name's disguise with 403, code unspent", async () => {
  const before = await usesOf("signup_codes.json", "JOINUS");
  const res = await fetch(`${daemon.url}/signup`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      code: "JOINUS",
      username: "honest-name",
      password: "a long password 123",
      display_name: "Fr3e Crypt0",
    }).toString(),
  });
  assert.equal(res.status, 403);
  const problem = /<div class="problem"[\s\S]*?<\/div>/.exec(await res.text())?.[0] ?? "";
  assert.match(problem, /cannot be accepted/);
  assert.doesNotMatch(problem, /block|crypto|list/i);
  assert.equal(await usesOf("signup_codes.json", "JOINUS"), before);
});

test("a rule published in a followed policy list blocks a knock within seconds", async () => {
  await waitFor(() => daemon.logged(/following a policy list/), {
    timeoutMs: 30_000,
    what: "the daemon to follow the policy list",
  });
  await policyAdmin.sendState(policyRoom, "m.policy.rule.user", "rule-1", {
    entity: `@policy*:${hs.serverName}`,
    recommendation: "m.ban",
    reason: "spam",
  });
  await waitFor(() => daemon.logged(/cannot follow a policy list/), {
    what: "the daemon to report the list it cannot join",
  });
  const started = Date.now();
  assert.equal(await deniedKnock("policyvictim"), NEUTRAL);
  const records = await audit();
  const blocked = records.find((r) => r.type === "knock_blocked" && r.user === uid("policyvictim"));
  assert.equal(blocked?.source, "policy");
  const health = await adminGet("/admin/v1/health");
  const lists = health.policy_lists as {
    list: string;
    joined: boolean;
    rules: number;
    error?: string;
  }[];
  assert.deepEqual(
    lists.map((l) => [l.joined, l.rules, l.error !== undefined]),
    [
      [true, 1, false],
      [false, 0, true],
    ],
  );
  assert.ok(Date.now() - started < 20_000);
});

test("the watchdog (WATCHDOG_ACTION=kick) removes a blocked member already in the space", async () => {
  // The audit record is written once the kick is done everywhere.
  const hit = await waitFor(
    async () => (await audit()).find((r) => r.type === "watchdog_hit" && r.user === lurker.userId),
    { timeoutMs: 30_000, what: "the watchdog to remove the blocked member" },
  );
  assert.equal(hit.action, "kick");
  assert.equal(await community.botClient.membership(community.spaceId, lurker.userId), "leave");
  const kick = await community.botClient.getState(
    community.spaceId,
    "m.room.member",
    lurker.userId,
  );
  assert.equal(kick?.reason, NEUTRAL);
  assert.equal(
    await community.botClient.membership(community.spaceId, mod.userId),
    "join",
    "members who are not blocked stay",
  );
});

test("!block by an operator adds an entry, and that user's next knock is denied", async () => {
  await mod.sendText(community.spaceId, `!block ${uid("latecomer")} spam wave`);
  await waitFor(
    async () => {
      const list = await readJson<{ entries: { pattern: string }[] }>("blocklist.json");
      return list.entries.some((e) => e.pattern === uid("latecomer"));
    },
    { timeoutMs: 20_000, what: "!block to add the entry" },
  );
  assert.equal(await deniedKnock("latecomer"), NEUTRAL);
});
