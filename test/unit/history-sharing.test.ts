import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { MatrixClient } from "matrix-js-sdk";
import { roomHistorySharing } from "../../src/matrix/crypto/history-sharing.js";

/** The parts of the SDK's client and Rust crypto that history sharing reads. */
function fakeBot(opts: { ownIdentityVerified: boolean }) {
  const shared: string[] = [];
  const client = Object.assign(new EventEmitter(), {
    getSafeUserId: () => "@bot:example.org",
    getRoom: () => ({ getHistoryVisibility: () => "shared" }),
    getCrypto: () => ({
      isEncryptionEnabledInRoom: () => Promise.resolve(true),
      getUserVerificationStatus: () =>
        Promise.resolve({ isCrossSigningVerified: () => opts.ownIdentityVerified }),
      shareRoomHistoryWithUser: (roomId: string, userId: string) => {
        shared.push(`${roomId} ${userId}`);
        return Promise.resolve();
      },
    }),
  });
  const audit: object[] = [];
  const warnings: string[] = [];
  const share = roomHistorySharing(client as unknown as MatrixClient, {
    audit: { append: (entry) => Promise.resolve(void audit.push(entry)) },
    log: { info: () => {}, warn: (_fields, msg) => void warnings.push(msg), error: () => {} },
    now: () => 1_700_000_000_000,
  });
  return { client, share, shared, audit, warnings };
}

test("history is shared and audited when the bot's own identity is verified", async () => {
  const bot = fakeBot({ ownIdentityVerified: true });
  const sharing = bot.share("!room:example.org", "@ada:example.org");
  // It waits for two syncs so that room keys on their way are in the bundle.
  for (let i = 0; i < 2; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    bot.client.emit("sync");
  }
  await sharing;
  assert.deepEqual(bot.shared, ["!room:example.org @ada:example.org"]);
  assert.deepEqual(bot.audit, [
    {
      ts: 1_700_000_000,
      type: "history_shared",
      room: "!room:example.org",
      user: "@ada:example.org",
    },
  ]);
});

test("with the bot's identity unverified nothing is shared, nothing audited, and the log says why", async () => {
  const bot = fakeBot({ ownIdentityVerified: false });
  await bot.share("!room:example.org", "@ada:example.org");
  assert.deepEqual(bot.shared, []);
  assert.deepEqual(bot.audit, []);
  assert.equal(bot.warnings.length, 1);
  assert.match(bot.warnings[0] ?? "", /cross-signing identity is not verified/);
});
