/** The reference approver's escrow file read as room keys: its format, and one it cannot use. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readEscrow } from "../../src/matrix/crypto/escrow.js";

async function escrowFile(text: string): Promise<string> {
  const path = join(
    await mkdtemp(join(tmpdir(), "anteroom-escrow-")),
    "inbound_sessions.escrow.json",
  );
  await writeFile(path, text);
  return path;
}

const entry = {
  room_id: "!room:example.org",
  sender_key: "c2VuZGVy",
  signing_key: "c2lnbmluZw",
  session_id: "c2Vzc2lvbg",
  first_known_index: 0,
  session_key: "a2V5",
};

test("each escrowed session becomes a megolm room key, its signing key as the sender's claimed key", async () => {
  assert.deepEqual(await readEscrow(await escrowFile(JSON.stringify([entry]))), [
    {
      algorithm: "m.megolm.v1.aes-sha2",
      room_id: "!room:example.org",
      sender_key: "c2VuZGVy",
      sender_claimed_keys: { ed25519: "c2lnbmluZw" },
      session_id: "c2Vzc2lvbg",
      session_key: "a2V5",
      forwarding_curve25519_key_chain: [],
    },
  ]);
});

test("no escrow file is nothing to import", async () => {
  assert.equal(await readEscrow(join(tmpdir(), "no-such-dir-anteroom", "escrow.json")), undefined);
});

test("an escrow that cannot be used stops the start, naming the file and what is wrong", async () => {
  const cut = await escrowFile(JSON.stringify([entry]).slice(0, 30));
  await assert.rejects(readEscrow(cut), (error: Error) => {
    assert.equal(error.name, "CryptoStoreRefused");
    assert.ok(error.message.includes(cut), error.message);
    assert.match(error.message, /is not JSON; repair it or move it out of the way/);
    return true;
  });
  const { session_key: _, ...keyless } = entry;
  await assert.rejects(
    readEscrow(await escrowFile(JSON.stringify([entry, keyless]))),
    /has no session_key in its session 2/,
  );
});
