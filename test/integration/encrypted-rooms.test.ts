/**
 * Encrypted rooms, against a real Synapse: a moderator whose client has its own Rust crypto gives
 * encrypted commands in an encrypted ADMIN_COMMAND_ROOM and reads the bot's encrypted answers and
 * notices; the bot keeps one device, with its keys, across a restart and a kill -9; what it
 * cannot decrypt is logged and counted; a damaged crypto store stops the start.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir, truncate } from "node:fs/promises";
import { join } from "node:path";
import { request } from "node:http";
import { startHomeserver, type TestHomeserver, type TestUser } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import {
  CryptoUser,
  createEncryptedModeratorsRoom,
  ENCRYPTION_STATE,
} from "../harness/crypto-user.js";
import { Newcomer } from "../harness/newcomer-flow.js";
import { waitFor } from "../harness/wait.js";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;
let modUser: TestUser;
/** An operator whose device is cross-signed: ADMIN_REQUIRE_VERIFIED_DEVICE lets them through. */
let mod: CryptoUser;
/** An operator too, on a device nobody cross-signed. */
let unsignedUser: TestUser;
let commandRoom: string;
let childRoom: string;
let notifyRoom: string;
/** The bot's device key as the homeserver first published it. */
let firstDeviceKey: string;
/** The bot's cross-signing master key, once made. */
let firstMasterKey: string | undefined;

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 1 });
  modUser = await hs.registerUser("mod", { displayName: "Mod" });
  unsignedUser = await hs.registerUser("unsigned", { displayName: "Unsigned" });
  const moderatorsRoom = (name: string) =>
    createEncryptedModeratorsRoom(community, name, [modUser.userId, unsignedUser.userId]);
  // The child room is encrypted too, history shared with members (the private_chat default).
  const [child] = community.childIds;
  assert.ok(child);
  childRoom = child;
  await community.botClient.sendState(childRoom, "m.room.encryption", "", ENCRYPTION_STATE.content);
  await community.botClient.invite(childRoom, modUser.userId);
  commandRoom = await moderatorsRoom("commands");
  notifyRoom = await moderatorsRoom("notices");
  daemon = await TestDaemon.start(hs, community, {
    env: {
      ADMIN_COMMAND_ROOM: commandRoom,
      OPERATOR_NOTIFY_ROOM: notifyRoom,
      INITIAL_CODES: JSON.stringify({ FRIENDS: { uses_remaining: 50, label: "friends" } }),
      JOIN_WAVE_PER_MIN: "3",
      JOIN_WAVE_RESUME_PER_MIN: "1",
      SEND_MAX_PER_ROOM_PER_MIN: "200",
    },
  });
  firstDeviceKey = await waitFor(() => botDeviceKey(), {
    what: "the bot's device keys on the homeserver",
  });
  mod = await CryptoUser.start(hs, modUser);
  await mod.crossSign();
  await mod.join(commandRoom);
  await mod.join(notifyRoom);
  await mod.join(childRoom);
});

after(async () => {
  mod?.stop();
  await daemon?.stop();
  await hs?.stop();
});

interface KeysAnswer {
  device_keys?: Record<string, Record<string, { keys?: Record<string, string> }>>;
  master_keys?: Record<string, { keys?: Record<string, string> }>;
}

/** The bot's keys as the homeserver hands them to others. */
async function botKeys(): Promise<KeysAnswer> {
  const { userId, deviceId } = community.bot;
  const response = await fetch(`${hs.url}/_matrix/client/v3/keys/query`, {
    method: "POST",
    headers: { authorization: `Bearer ${modUser.accessToken}`, "content-type": "application/json" },
    body: JSON.stringify({ device_keys: { [userId]: [deviceId] } }),
  });
  return (await response.json()) as KeysAnswer;
}

/** The bot device's ed25519 key; undefined before upload. */
async function botDeviceKey(): Promise<string | undefined> {
  const { userId, deviceId } = community.bot;
  return (await botKeys()).device_keys?.[userId]?.[deviceId]?.keys?.[`ed25519:${deviceId}`];
}

/** The bot's cross-signing master key; undefined while it has none. */
async function botMasterKey(): Promise<string | undefined> {
  const keys = (await botKeys()).master_keys?.[community.bot.userId]?.keys;
  return keys ? Object.values(keys)[0] : undefined;
}

/** Sends a command from the moderator's encrypting client and waits for the bot's answer. */
async function ask(command: string, answer: RegExp) {
  await mod.send(commandRoom, command);
  return mod.waitForMessage(commandRoom, community.bot.userId, answer, 45_000);
}

async function mintedLabels(): Promise<string[]> {
  const book = JSON.parse(await readFile(join(daemon.dataDir, "codes.json"), "utf8")) as Record<
    string,
    { label: string }
  >;
  return Object.values(book).map((entry) => entry.label);
}

test("an encrypted !mint in the encrypted command room is answered encrypted, and the start log says how commands are taken", async () => {
  const reply = await ask("!mint first", /\(label: first\b/);
  assert.equal(reply.encrypted, true, "the answer was encrypted");
  assert.ok((await mintedLabels()).includes("first"));
  assert.ok(
    daemon.logged(/^taking chat commands in the operator room, encrypted and in the clear$/),
  );
  // The bot made its own cross-signing identity: moderators see its device signed by its owner.
  await waitFor(
    async () =>
      (
        await mod.client
          .getCrypto()
          ?.getDeviceVerificationStatus(community.bot.userId, community.bot.deviceId)
      )?.signedByOwner === true,
    { what: "the bot's device signed by the bot's own identity", timeoutMs: 30_000 },
  );
  firstMasterKey = await botMasterKey();
  assert.ok(firstMasterKey);
});

test("a notice to the encrypted OPERATOR_NOTIFY_ROOM arrives encrypted, while vetting rooms stay unencrypted", async () => {
  const people = await Promise.all(
    ["Wave A", "Wave B", "Wave C", "Wave D"].map((name) => Newcomer.register(hs, community, name)),
  );
  await Promise.all(people.map((person) => person.knock("FRIENDS")));
  const notice = await mod.waitForMessage(notifyRoom, community.bot.userId, /^join wave:/, 60_000);
  assert.equal(notice.encrypted, true);
  // A newcomer's client without any keys reads the challenge: the vetting room is not encrypted.
  const [first] = people;
  assert.ok(first);
  const challenge = await first.readChallenge(60_000);
  assert.equal(
    await community.botClient.getState(challenge.roomId, "m.room.encryption"),
    undefined,
  );
});

test("someone anteroom invites into an encrypted child room reads what was said there before", async () => {
  await mod.send(childRoom, "said before you came");
  // An answered command shows the bot has taken in the to-device messages sent before it, that
  // room key among them: history is what was said before, not keys still on their way.
  await ask("!help", /^commands:/);
  const newcomerUser = await hs.registerUser("latecomer", { displayName: "Latecomer" });
  const newcomer = await CryptoUser.start(hs, newcomerUser);
  // As Element does at a first login: keys are shared only with devices their owner signed.
  await newcomer.crossSign();
  try {
    const created = await admin("POST", "/admin/v1/lifecycle", {
      user: newcomerUser.userId,
      action: "created",
    });
    assert.equal(created.status, 200);
    await waitFor(() => newcomer.client.getRoom(childRoom)?.getMyMembership() === "invite", {
      what: "the invite to the child room",
    });
    // They accept the invite once the history's keys have reached their client, as a person would.
    await waitFor(() => newcomer.toDeviceTypes.some((type) => type.endsWith("room_key_bundle")), {
      what: "the room key bundle at the newcomer's client",
    });
    await newcomer.join(childRoom);
    const before = await newcomer.waitForMessage(
      childRoom,
      modUser.userId,
      /^said before you came$/,
      45_000,
    );
    assert.equal(before.encrypted, true);
    const shared = await auditOf("history_shared");
    // Only the encrypted child room: the space is not encrypted.
    assert.deepEqual(
      shared.map((entry) => [entry.room, entry.user]),
      [[childRoom, newcomerUser.userId]],
    );
  } finally {
    newcomer.stop();
  }
});

test("after a restart the bot has the same device and keys, and the next encrypted command is answered", async () => {
  await daemon.stop();
  await daemon.launch();
  assert.equal(await botDeviceKey(), firstDeviceKey);
  assert.equal(await botMasterKey(), firstMasterKey, "no new identity");
  const reply = await ask("!mint second", /\(label: second\b/);
  assert.equal(reply.encrypted, true);
});

test("after a kill -9 the room key that came just before it is still there, and so is the device", async () => {
  // A new room key from the moderator, then the crash right after its command was answered.
  await mod.client.getCrypto()?.forceDiscardSession(commandRoom);
  await ask("!mint third", /\(label: third\b/);
  await daemon.kill9();
  await daemon.launch();
  assert.equal(await botDeviceKey(), firstDeviceKey);
  assert.equal(await botMasterKey(), firstMasterKey);
  // Encrypted with the same room key: readable only if the bot kept it.
  const reply = await ask("!mint fourth", /\(label: fourth\b/);
  assert.equal(reply.encrypted, true);
  assert.deepEqual(
    (await mintedLabels()).filter((label) => label !== "friends"),
    ["first", "second", "third", "fourth"],
  );
});

async function auditOf(type: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(daemon.dataDir, "log.jsonl"), "utf8");
  return text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.type === type);
}

test("an operator on a device nobody cross-signed, or typing in the clear, is refused with the reference's answer and audited", async () => {
  const unsigned = await CryptoUser.start(hs, unsignedUser);
  try {
    await unsigned.join(commandRoom);
    await unsigned.send(commandRoom, "!mint unsigned");
    const refusal = await unsigned.waitForMessage(
      commandRoom,
      community.bot.userId,
      /refused/,
      45_000,
    );
    assert.equal(
      refusal.body,
      `${unsignedUser.userId}: refused — admin commands require a cross-signing-verified device`,
    );
    assert.equal(refusal.encrypted, true);
  } finally {
    unsigned.stop();
  }
  // The cross-signed moderator, but unencrypted (as a forging homeserver would send it).
  const cleartext = await fetch(
    `${hs.url}/_matrix/client/v3/rooms/${encodeURIComponent(commandRoom)}/send/m.room.message/clear-${Date.now()}`,
    {
      method: "PUT",
      headers: {
        authorization: `Bearer ${modUser.accessToken}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ msgtype: "m.text", body: "!mint cleartext" }),
    },
  );
  assert.equal(cleartext.status, 200);
  await mod.waitForMessage(
    commandRoom,
    community.bot.userId,
    new RegExp(`^${modUser.userId}: refused — admin commands require`),
  );
  const refused = await waitFor(
    async () => {
      const entries = await auditOf("admin_unverified");
      return entries.length === 2 ? entries : undefined;
    },
    { what: "two admin_unverified audit records" },
  );
  assert.deepEqual(
    refused.map((entry) => [entry.sender, entry.cmd, entry.trust]),
    [
      [unsignedUser.userId, "mint", "unverified_device"],
      [modUser.userId, "mint", "cleartext"],
    ],
  );
  const labels = await mintedLabels();
  assert.ok(!labels.includes("unsigned") && !labels.includes("cleartext"));
});

/** A request on the daemon's admin socket. */
function admin(
  method: "GET" | "POST",
  path: string,
  body?: object,
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: join(daemon.dataDir, "admin.sock"),
        method,
        path,
        headers: {
          "x-anteroom-actor": "@owner:test",
          ...(body ? { "content-type": "application/json" } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            json: JSON.parse(text) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

test("an operator whose cross-signing identity changed is refused until a moderator accepts the new one", async () => {
  await mod.crossSign(true);
  // The bot hears of the new identity through its sync: ask until it answers with the refusal.
  let probe = 0;
  await waitFor(
    async () => {
      probe++;
      const mark = mod.mark(commandRoom);
      await mod.send(commandRoom, `!mint probe${probe}`);
      const answer = await mod.waitForMessage(
        commandRoom,
        community.bot.userId,
        new RegExp(`\\(label: probe${probe}\\b|^${modUser.userId}: refused`),
        30_000,
        mark,
      );
      return answer.body.includes("refused");
    },
    { what: "the refusal of a command from the changed identity", timeoutMs: 60_000 },
  );
  const changed = (await auditOf("admin_unverified")).filter(
    (entry) => entry.trust === "identity_changed",
  );
  assert.equal(changed.length, 1);
  assert.equal(changed[0]?.sender, modUser.userId);

  const accepted = await admin(
    "POST",
    `/admin/v1/identities/${encodeURIComponent(modUser.userId)}/accept`,
  );
  assert.deepEqual(
    [accepted.status, accepted.json],
    [200, { user: modUser.userId, accepted: true }],
  );
  assert.equal((await auditOf("identity_accepted"))[0]?.by, "@owner:test");
  const reply = await ask("!mint accepted", /\(label: accepted\b/);
  assert.equal(reply.encrypted, true);
});

test("an encrypted message the bot cannot decrypt is logged with its sender and session and counted in /metrics", async () => {
  const txn = `undecryptable-${Date.now()}`;
  const response = await fetch(
    `${hs.url}/_matrix/client/v3/rooms/${encodeURIComponent(commandRoom)}/send/m.room.encrypted/${txn}`,
    {
      method: "PUT",
      headers: {
        authorization: `Bearer ${modUser.accessToken}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        algorithm: "m.megolm.v1.aes-sha2",
        sender_key: "c2VuZGVyIGtleSBvZiBub2JvZHk",
        device_id: modUser.deviceId,
        session_id: "bm8gc3VjaCBzZXNzaW9u",
        ciphertext: "bm90IGEgY2lwaGVydGV4dA",
      }),
    },
  );
  assert.equal(response.status, 200);
  const line = await waitFor(
    () =>
      daemon.logs.find((l) => typeof l.msg === "string" && /could not be decrypted/.test(l.msg)),
    { what: "the undecryptable message in the daemon's log", timeoutMs: 40_000 },
  );
  assert.equal(line.sender, modUser.userId);
  assert.equal(line.sessionId, "bm8gc3VjaCBzZXNzaW9u");
  const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
  assert.match(metrics, /^anteroom_undecryptable_events_total 1$/m);
  assert.match(metrics, /^anteroom_triage_items\{kind="unreadable"\} 1$/m);
  // Health, and from it the console's Triage, say who sent it.
  const health = await admin("GET", "/admin/v1/health");
  const encryption = health.json.encryption as { last?: { sender?: string } };
  assert.deepEqual(
    { ...encryption, last: { sender: encryption.last?.sender } },
    { on: true, undecryptable: 1, last: { sender: modUser.userId } },
  );
});

test("a cut-short crypto store stops the start with how to reset, and is left as it was", async () => {
  await daemon.stop();
  const store = join(daemon.dataDir, "crypto-store.bin");
  await truncate(store, 100);
  const before = await readFile(store);
  const files = (await readdir(daemon.dataDir)).sort();
  const refused = await TestDaemon.start(hs, community, {
    dataDir: daemon.dataDir,
    waitReady: false,
    env: { ADMIN_COMMAND_ROOM: commandRoom, OPERATOR_NOTIFY_ROOM: notifyRoom },
  });
  const { exitCode, stderr } = await refused.exited();
  assert.equal(exitCode, 2);
  assert.match(
    stderr.trim(),
    /^anteroom will not start: the crypto store .*crypto-store\.bin cannot be used \(.*\); to reset, .* a new device .*$/,
  );
  assert.deepEqual(await readFile(store), before, "the store is not replaced");
  assert.deepEqual((await readdir(daemon.dataDir)).sort(), files, "no file is added or removed");
});
