// Join waves on a real Synapse: a burst of knocks pauses auto-approval (audit, notice in the
// operator room), a newcomer who passes then waits, and is invited once the wave ends by
// itself after the quiet period, or at once when a moderator resumes through the admin API.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { Newcomer, haikuWith } from "../harness/newcomer-flow.js";
import { waitFor } from "../harness/wait.js";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;
let notifyRoom: string;

// The detector's window is one minute: a wave lasts at least a minute after its last arrival.
const QUIET_SEC = 5;
const WAVE_END_MS = 60_000 + QUIET_SEC * 1000 + 60_000; // plus generous slack for a busy machine

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 1 });
  notifyRoom = await community.botClient.createRoom({ name: "mods", preset: "private_chat" });
  daemon = await TestDaemon.start(hs, community, {
    env: {
      INITIAL_CODES: JSON.stringify({ FRIENDS: { uses_remaining: 50, label: "friends" } }),
      JOIN_WAVE_PER_MIN: "3",
      JOIN_WAVE_RESUME_PER_MIN: "1",
      JOIN_WAVE_QUIET_SEC: String(QUIET_SEC),
      OPERATOR_NOTIFY_ROOM: notifyRoom,
    },
  });
});

after(async () => {
  await daemon?.stop();
  await hs?.stop();
});

async function auditOf(type: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(daemon.dataDir, "log.jsonl"), "utf8");
  return text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.type === type);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test assertions read any shape
function admin(method: string, path: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: join(daemon.dataDir, "admin.sock"),
        method,
        path,
        headers: { "x-anteroom-actor": "@mod:test" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Five quick knocks with a valid code: one passes its challenge, the rest are the wave. */
async function wave(names: string[]): Promise<Newcomer[]> {
  const people = await Promise.all(names.map((name) => Newcomer.register(hs, community, name)));
  await Promise.all(people.map((person) => person.knock("FRIENDS")));
  return people;
}

async function passDuringWave(person: Newcomer): Promise<void> {
  const challenge = await person.readChallenge(60_000);
  await person.reply(challenge, haikuWith(challenge.keyword));
  await person.botSays(challenge, /accepted.*moderator will let you in/, 30_000);
}

const spaceMembership = (person: Newcomer) =>
  community.botClient.membership(community.spaceId, person.userId);

test("a wave pauses auto-approval, and it resumes by itself after the quiet period", async () => {
  const [first] = await wave(["Wave One", "Wave Two", "Wave Three", "Wave Four", "Wave Five"]);
  assert.ok(first);
  await waitFor(async () => (await auditOf("join_wave_started")).length === 1, {
    what: "the join_wave_started audit entry",
    timeoutMs: 60_000,
  });
  const started = (await auditOf("join_wave_started"))[0];
  assert.ok(Number(started?.rate_per_min) > 3);
  await community.botClient.waitForMessage(notifyRoom, (body) => /^join wave:/.test(body), 30_000);
  assert.equal((await admin("GET", "/admin/v1/health")).json.join_wave.paused, true);

  await passDuringWave(first);
  assert.equal(await spaceMembership(first), "knock", "not invited while paused");

  await first.client.waitForInvite(community.spaceId, WAVE_END_MS);
  const ended = await auditOf("join_wave_ended");
  assert.equal(ended[0]?.by, "quiet");
  await community.botClient.waitForMessage(
    notifyRoom,
    (body) => /^join wave over/.test(body),
    30_000,
  );
});

test("during a wave a passed newcomer waits until a moderator resumes through the admin API", async () => {
  await waitFor(
    async () => (await admin("GET", "/admin/v1/health")).json.join_wave.paused === false,
    {
      what: "the first wave to be over",
      timeoutMs: WAVE_END_MS,
    },
  );
  const [first] = await wave(["Surge One", "Surge Two", "Surge Three", "Surge Four", "Surge Five"]);
  assert.ok(first);
  await waitFor(async () => (await auditOf("join_wave_started")).length === 2, {
    what: "a second join_wave_started",
    timeoutMs: 60_000,
  });
  await passDuringWave(first);
  assert.equal(await spaceMembership(first), "knock", "not invited while paused");

  const resumed = await admin("POST", "/admin/v1/join-wave/resume");
  assert.equal(resumed.status, 200);
  await first.client.waitForInvite(community.spaceId, 30_000);
  const ended = (await auditOf("join_wave_ended")).at(-1);
  assert.equal(ended?.by, "moderator");
  assert.equal(ended?.moderator, "@mod:test");
  assert.equal((await admin("POST", "/admin/v1/join-wave/resume")).status, 409);
});
