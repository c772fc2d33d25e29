/**
 * The bot's recovery key and key backup (on by default: KEY_BACKUP unset), against a real Synapse: the backup
 * holds the room keys of an encrypted command room, the recovery key is written once to a private
 * file and shown once, a restart makes neither anew, and after losing the data dir a new login of
 * the bot gets the room keys back with that recovery key.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { decodeRecoveryKey } from "matrix-js-sdk/lib/crypto-api/index.js";
import { startHomeserver, type TestHomeserver, type TestUser } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { CryptoUser, createEncryptedModeratorsRoom } from "../harness/crypto-user.js";
import { waitFor } from "../harness/wait.js";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;
let modUser: TestUser;
let mod: CryptoUser;
let commandRoom: string;
let firstBackupVersion: string;
let firstRecoveryKey: string;

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 1 });
  modUser = await hs.registerUser("mod", { displayName: "Mod" });
  commandRoom = await createEncryptedModeratorsRoom(community, "commands", [modUser.userId]);
  daemon = await TestDaemon.start(hs, community, {
    env: { ADMIN_COMMAND_ROOM: commandRoom },
  });
  mod = await CryptoUser.start(hs, modUser);
  await mod.crossSign();
  await mod.join(commandRoom);
});

after(async () => {
  mod?.stop();
  await daemon?.stop();
  await hs?.stop();
});

/** The bot's key backup version on the homeserver; undefined while it has none. */
async function botBackupVersion(): Promise<string | undefined> {
  const response = await fetch(`${hs.url}/_matrix/client/v3/room_keys/version`, {
    headers: { authorization: `Bearer ${community.bot.accessToken}` },
  });
  return response.ok ? ((await response.json()) as { version: string }).version : undefined;
}

/** How many room keys of `roomId` the bot's backup `version` holds. */
async function backedUpSessions(version: string, roomId: string): Promise<number> {
  const response = await fetch(
    `${hs.url}/_matrix/client/v3/room_keys/keys/${encodeURIComponent(roomId)}?version=${version}`,
    { headers: { authorization: `Bearer ${community.bot.accessToken}` } },
  );
  const body = (await response.json()) as { sessions?: Record<string, unknown> };
  return Object.keys(body.sessions ?? {}).length;
}

const recoveryKeyFile = () => join(daemon.dataDir, "recovery-key.txt");
const setUpLines = () => daemon.logs.filter((l) => /secret storage is set up/.test(String(l.msg)));
const recoveryKeyShown = () => daemon.logs.filter((l) => l.recoveryKey !== undefined);

test("the bot's room keys are backed up on the homeserver, with a recovery key written once to a private file and shown once", async () => {
  await mod.send(commandRoom, "!mint backed");
  await mod.waitForMessage(commandRoom, community.bot.userId, /\(label: backed\b/, 45_000);
  firstBackupVersion = await waitFor(() => botBackupVersion(), {
    what: "the bot's key backup on the homeserver",
    timeoutMs: 30_000,
  });
  const version = firstBackupVersion;
  // The moderator's room key for the command room, which the bot received for the command.
  await waitFor(async () => (await backedUpSessions(version, commandRoom)) > 0, {
    what: "the command room's key in the bot's backup",
    timeoutMs: 30_000,
  });
  assert.equal((await stat(recoveryKeyFile())).mode & 0o777, 0o600);
  firstRecoveryKey = (await readFile(recoveryKeyFile(), "utf8")).trim();
  assert.match(firstRecoveryKey, /^(\w{4} ){11}\w{4}$/, "a recovery key as clients show one");
  assert.deepEqual(
    recoveryKeyShown().map((l) => l.recoveryKey),
    [firstRecoveryKey],
  );
});

test("a restart keeps the backup and the recovery key, and does not show the key again", async () => {
  const checks = setUpLines().length;
  await daemon.stop();
  await daemon.launch();
  await waitFor(() => setUpLines().length > checks, {
    what: "the restarted bot's check of its secret storage and backup",
    timeoutMs: 30_000,
  });
  assert.equal(await botBackupVersion(), firstBackupVersion, "no new backup");
  assert.equal((await readFile(recoveryKeyFile(), "utf8")).trim(), firstRecoveryKey);
  assert.equal(recoveryKeyShown().length, 1, "the recovery key is not shown again");
});

test("after losing the data dir, a new login of the bot gets its room keys back from the key backup with the recovery key", async () => {
  await daemon.stop();
  const login = (await (
    await fetch(`${hs.url}/_matrix/client/v3/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        type: "m.login.password",
        identifier: { type: "m.id.user", user: community.bot.userId },
        password: community.bot.password,
      }),
    })
  ).json()) as { access_token: string; device_id: string };
  const recoveryKey = decodeRecoveryKey(firstRecoveryKey);
  const restored = await CryptoUser.start(
    hs,
    { ...community.bot, accessToken: login.access_token, deviceId: login.device_id },
    {
      getSecretStorageKey: async ({ keys }) => {
        const [keyId] = Object.keys(keys);
        return keyId === undefined ? null : [keyId, recoveryKey];
      },
    },
  );
  try {
    const crypto = restored.client.getCrypto();
    assert.ok(crypto);
    await crypto.loadSessionBackupPrivateKeyFromSecretStorage();
    const result = await crypto.restoreKeyBackup();
    assert.ok(result.imported > 0, `imported ${result.imported} of ${result.total}`);
    const rooms = new Set((await crypto.exportRoomKeys()).map((key) => key.room_id));
    assert.ok(rooms.has(commandRoom), "the command room's keys are back");
  } finally {
    restored.stop();
  }
});
