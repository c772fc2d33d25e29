import { test } from "node:test";
import assert from "node:assert/strict";
import { skipQuietSyncs } from "../../src/matrix/crypto/quiet-syncs.js";

interface Changes {
  toDeviceEvents?: unknown[];
  deviceLists?: { changed?: string[]; left?: string[] };
  oneTimeKeysCounts?: Record<string, number>;
  unusedFallbackKeys?: Set<string>;
}

/** A crypto that records which syncs it was handed, and gives back their to-device messages. */
function recordingCrypto() {
  const handed: string[] = [];
  const crypto = {
    processSyncChanges(changes: Changes & { name: string }) {
      handed.push(changes.name);
      return Promise.resolve(changes.toDeviceEvents ?? []);
    },
  };
  return { crypto, handed };
}

const counts = { signed_curve25519: 50 };
const fallback = new Set(["signed_curve25519"]);

test("a sync that brings the crypto nothing new (a newcomer it does not track named as changed, or as left) is not handed to it, any other is, and one goes every interval", async () => {
  const { crypto, handed } = recordingCrypto();
  let clock = 0;
  skipQuietSyncs(
    crypto,
    (changed) => Promise.resolve(changed.filter((user) => user === "@mod:hs")),
    60_000,
    () => clock,
  );
  const sync = (name: string, more: Changes = {}) =>
    crypto.processSyncChanges({
      name,
      oneTimeKeysCounts: counts,
      unusedFallbackKeys: fallback,
      toDeviceEvents: [],
      deviceLists: { changed: [], left: [] },
      ...more,
    });

  await sync("first");
  await sync("quiet");
  const roomKey = { type: "m.room.encrypted" };
  assert.deepEqual(await sync("to-device", { toDeviceEvents: [roomKey] }), [roomKey]);
  await sync("device list", { deviceLists: { changed: ["@mod:hs", "@newcomer:hs"] } });
  await sync("untracked device list", { deviceLists: { changed: ["@newcomer:hs"] } });
  // Someone the bot no longer shares a room with (a closed vetting room): nothing the crypto reads.
  await sync("left", { deviceLists: { left: ["@newcomer:hs"] } });
  await sync("claimed", { oneTimeKeysCounts: { signed_curve25519: 49 } });
  await sync("fallback used", {
    oneTimeKeysCounts: { signed_curve25519: 49 },
    unusedFallbackKeys: new Set(),
  });
  await sync("quiet again", {
    oneTimeKeysCounts: { signed_curve25519: 49 },
    unusedFallbackKeys: new Set(),
  });
  clock = 61_000;
  await sync("interval", {
    oneTimeKeysCounts: { signed_curve25519: 49 },
    unusedFallbackKeys: new Set(),
  });

  assert.deepEqual(handed, [
    "first",
    "to-device",
    "device list",
    "claimed",
    "fallback used",
    "interval",
  ]);
});
