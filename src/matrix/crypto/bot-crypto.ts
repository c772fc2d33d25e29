/**
 * The bot's end-to-end encryption: one device for the life of the data dir. Its Rust crypto store
 * lives in DATA_DIR/crypto-store.bin (durable-store.ts), sealed with the store key (store-key.ts).
 * A store that cannot be used stops the start with what to do; it is never silently replaced.
 */
import { ClientEvent, Method, type MatrixClient } from "matrix-js-sdk";
import { toHomeserverError } from "../errors.js";
import { installIndexedDb } from "./indexeddb.js";
import { DurableCryptoStore } from "./durable-store.js";
import { readStoreFile, removeStaleTempFiles, StoreFileUnreadable } from "./store-file.js";
import { loadStoreKey } from "./store-key.js";
import { throttleOwnDeviceList } from "./own-device-list.js";
import { skipQuietSyncs } from "./quiet-syncs.js";
import { skipIdleRequestLoops } from "./idle-request-loops.js";
import { TrackedUsers } from "./tracked-users.js";

/** The IndexedDB databases are named `anteroom::matrix-sdk-crypto` and so on. */
const DATABASE_PREFIX = "anteroom";

export interface CryptoStoreSettings {
  readonly storePath: string;
  readonly keyPath: string;
  /** CRYPTO_STORE_KEY, when the key comes from the environment. */
  readonly configuredKey?: Buffer;
}

/** The start stops: the crypto store cannot be used as it is. The message says what to do. */
export class CryptoStoreRefused extends Error {
  override readonly name = "CryptoStoreRefused";
}

const RESET =
  'to reset, stop anteroom, move crypto-store.bin and bot-session.json out of the data dir and log the bot in again as a new device (README, "Encrypted rooms"); a reset costs the device: moderators verify the new one again, and what was encrypted for the old one stays unreadable to the bot';

/** Restores the crypto store of this device from its file (or starts an empty one). */
export async function openCryptoStore(
  settings: CryptoStoreSettings,
  device: { readonly userId: string; readonly deviceId: string },
  onSaveError: (error: unknown) => void,
): Promise<DurableCryptoStore> {
  const { storePath } = settings;
  const factory = await installIndexedDb();
  try {
    const key = await loadStoreKey(settings);
    const content = await readStoreFile(storePath, key);
    if (content && (content.userId !== device.userId || content.deviceId !== device.deviceId))
      throw new StoreFileUnreadable(
        `it holds device ${content.deviceId} of ${content.userId}, and MATRIX_TOKEN is device ${device.deviceId} of ${device.userId}`,
      );
    const store = await DurableCryptoStore.open(
      { factory, key, path: storePath, prefix: DATABASE_PREFIX, onSaveError, ...device },
      content,
    );
    await removeStaleTempFiles(storePath);
    return store;
  } catch (error) {
    if (!(error instanceof StoreFileUnreadable)) throw error;
    throw new CryptoStoreRefused(
      `anteroom will not start: the crypto store ${storePath} cannot be used (${error.reason}); ${RESET}`,
    );
  }
}

/** Starts the Rust crypto on `client` (before its first sync) over the restored store. */
export async function startCrypto(client: MatrixClient, store: DurableCryptoStore): Promise<void> {
  if (store.fresh) await refuseDeviceKeptElsewhere(client);
  await client.initRustCrypto({ useIndexedDB: true, cryptoDatabasePrefix: DATABASE_PREFIX });
  const machine = (client.getCrypto() as { olmMachine?: object } | undefined)?.olmMachine;
  skipIdleRequestLoops(client.getCrypto(), machine);
  // After the loop skip, which puts its own updateTrackedUsers on the machine.
  const tracked = TrackedUsers.follow(machine);
  if (tracked) skipQuietSyncs(client.getCrypto(), (changed) => tracked.changedAndTracked(changed));
  // Wrapped last so it runs first: a sync that only named the bot itself is then quiet.
  throttleOwnDeviceList(client.getCrypto(), client.getSafeUserId());
  // Emitted once the crypto has stored what the message brought (see request-gate.ts).
  client.on(ClientEvent.ReceivedToDeviceMessage, () => store.toDeviceReceived());
  // A new device's keys are in the file before the homeserver sees them (request-gate.ts).
  store.changed();
  await store.flush();
}

/**
 * A device whose keys the homeserver already holds was set up elsewhere (a lost data dir, or the
 * reference approver's token): new keys for it would be ignored by other people's clients.
 */
async function refuseDeviceKeptElsewhere(client: MatrixClient): Promise<void> {
  const userId = client.getSafeUserId();
  const deviceId = client.getDeviceId() ?? "";
  const answer = await client.http.authedRequest<{
    device_keys?: Record<string, Record<string, unknown>>;
  }>(Method.Post, "/keys/query", undefined, { device_keys: { [userId]: [deviceId] } });
  if (answer.device_keys?.[userId]?.[deviceId] !== undefined)
    throw new CryptoStoreRefused(
      `anteroom will not start: the homeserver holds encryption keys for the bot's device ${deviceId} but the data dir has no crypto store for it (a lost or new data dir, or another program's login); ${RESET}`,
    );
}

/** Which of `roomIds` have encryption switched on (read from the homeserver, before any sync). */
export async function encryptedRooms(
  client: MatrixClient,
  roomIds: readonly string[],
): Promise<string[]> {
  const encrypted = await Promise.all(
    roomIds.map(async (roomId) => {
      try {
        await client.getStateEvent(roomId, "m.room.encryption", "");
        return true;
      } catch (error) {
        const failure = toHomeserverError(error);
        if (failure.transient) throw failure;
        return false; // none, or the bot is not in the room (then it reads nothing there)
      }
    }),
  );
  return roomIds.filter((_, i) => encrypted[i]);
}
