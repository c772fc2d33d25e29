import { test } from "node:test";
import assert from "node:assert/strict";
import { throttleOwnDeviceList } from "../../src/matrix/crypto/own-device-list.js";

const BOT = "@bot:hs";

/** A crypto that records the device lists each sync hands it. */
function recordingCrypto() {
  const seen: (string[] | undefined)[] = [];
  const crypto = {
    processSyncChanges(changes: { deviceLists?: { changed?: string[] } }) {
      seen.push(changes.deviceLists?.changed);
      return Promise.resolve([]);
    },
  };
  return { crypto, seen };
}

test("the bot's own device list reaches the crypto once per interval, a held-back change with the first sync after it", async () => {
  const { crypto, seen } = recordingCrypto();
  let clock = 0;
  throttleOwnDeviceList(crypto, BOT, 60_000, () => clock);
  const sync = (changed?: string[]) =>
    crypto.processSyncChanges(changed ? { deviceLists: { changed } } : {});

  await sync([BOT, "@newcomer:hs"]); // the first one passes
  clock = 1_000;
  await sync([BOT, "@newcomer2:hs"]); // a vetting room joined: held back
  clock = 30_000;
  await sync(); // still inside the interval
  clock = 61_000;
  await sync(); // the held-back change goes now
  clock = 62_000;
  await sync([]);

  assert.deepEqual(seen, [["@newcomer:hs", BOT], ["@newcomer2:hs"], [], [BOT], []]);
});

test("other users' device lists (moderators', the verified gate's) pass untouched", async () => {
  const { crypto, seen } = recordingCrypto();
  throttleOwnDeviceList(crypto, BOT, 60_000, () => 0);
  await crypto.processSyncChanges({ deviceLists: { changed: ["@mod:hs"] } });
  await crypto.processSyncChanges({ deviceLists: { changed: ["@mod:hs"] } });
  assert.deepEqual(seen, [["@mod:hs"], ["@mod:hs"]]);
});
