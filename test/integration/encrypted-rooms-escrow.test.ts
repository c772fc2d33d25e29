/**
 * The reference approver's escrow of room keys, against a real Synapse: a message encrypted with
 * a session the bot never received becomes readable to it once that session is in the escrow file
 * (the reference's format) in DATA_DIR.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver, type TestUser } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { CryptoUser, createEncryptedModeratorsRoom } from "../harness/crypto-user.js";
import { waitFor } from "../harness/wait.js";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon | undefined;
let modUser: TestUser;
let mod: CryptoUser;

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 1 });
  modUser = await hs.registerUser("mod", { displayName: "Mod" });
});

after(async () => {
  mod?.stop();
  await daemon?.stop();
  await hs?.stop();
});

/** What the reference writes to inbound_sessions.escrow.json for one inbound session. */
interface EscrowEntry {
  room_id: string;
  sender_key: string;
  signing_key: string;
  session_id: string;
  first_known_index: number;
  session_key: string;
}

test("a command encrypted with a session the bot only has from the reference's escrow file is read and acted on", async () => {
  const commandRoom = await createEncryptedModeratorsRoom(community, "commands", [modUser.userId]);
  mod = await CryptoUser.start(hs, modUser);
  await mod.crossSign();
  await mod.join(commandRoom);
  // The moderator's client keeps its room keys from devices it has not verified: the bot's
  // device gets them only through the escrow.
  const crypto = mod.client.getCrypto();
  assert.ok(crypto);
  crypto.globalBlacklistUnverifiedDevices = true;
  // Said while the reference ran (the bot's new device does not exist yet).
  await mod.send(commandRoom, "said to the reference");
  const escrow: EscrowEntry[] = (await crypto.exportRoomKeys())
    .filter((key) => key.room_id === commandRoom)
    .map((key) => ({
      room_id: key.room_id,
      sender_key: key.sender_key,
      signing_key: key.sender_claimed_keys.ed25519 ?? "",
      session_id: key.session_id,
      first_known_index: 0,
      session_key: key.session_key,
    }));
  assert.equal(escrow.length, 1);

  const dataDir = await mkdtemp(join(tmpdir(), "anteroom-data-"));
  await writeFile(join(dataDir, "inbound_sessions.escrow.json"), JSON.stringify(escrow));
  daemon = await TestDaemon.start(hs, community, {
    dataDir,
    env: {
      ADMIN_COMMAND_ROOM: commandRoom,
      // Keys from an escrow do not vouch for their sender: this test is about reading.
      ADMIN_REQUIRE_VERIFIED_DEVICE: "false",
    },
  });
  const line = await waitFor(
    () => daemon?.logs.find((l) => /escrowed room keys/.test(String(l.msg))),
    { what: "the import of the escrow in the daemon's log" },
  );
  assert.equal(line.sessions, 1);

  // The same session, still kept from the bot's device by the moderator's client.
  await mod.send(commandRoom, "!mint escrowed");
  const reply = await mod.waitForMessage(
    commandRoom,
    community.bot.userId,
    /\(label: escrowed\b/,
    45_000,
  );
  assert.equal(reply.encrypted, true);
  const book = JSON.parse(await readFile(join(dataDir, "codes.json"), "utf8")) as Record<
    string,
    { label: string }
  >;
  assert.ok(Object.values(book).some((entry) => entry.label === "escrowed"));
  assert.equal(
    daemon.logs.filter((l) => /could not be decrypted/.test(String(l.msg))).length,
    0,
    "nothing the bot could not read",
  );
});
