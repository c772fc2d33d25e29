/** Creates the bot's matrix-js-sdk client with a file-backed sync store and a tight filter. */
import { ClientEvent, Filter, type MatrixClient, type Room } from "matrix-js-sdk";
import { createSdkClient } from "./sdk-client.js";
import type { Logger } from "pino";
import { logger as sdkLogger } from "matrix-js-sdk/lib/logger.js";
import { FileSyncStore, createSyncFilterDefinition } from "./file-sync-store.js";
import { toHomeserverError } from "./errors.js";
import { pacedSyncFetch } from "./sync-pacing.js";
import { nodeHttpFetch } from "./node-http-fetch.js";
import { VettingRoomSync } from "./vetting-room-sync.js";
import {
  CryptoStoreRefused,
  encryptedRooms,
  openCryptoStore,
  startCrypto,
  type CryptoStoreSettings,
} from "./crypto/bot-crypto.js";
import type { DurableCryptoStore } from "./crypto/durable-store.js";
import { storeFirstFetch } from "./crypto/request-gate.js";
import type { WriteFaults } from "../store/write-faults.js";
import { importEscrow } from "./crypto/escrow.js";
import { secretStorageKeyCallbacks } from "./crypto/secret-storage-keys.js";

/**
 * Least time between a /sync answer and the next /sync request, and most while the bot's own room
 * writes go on (see sync-pacing.ts).
 */
const SYNC_PACING = { gapMs: 100, maxHoldMs: 400 };

/** The SDK's loglevel logger, whose runtime methods its typings leave out. */
interface LogLevelLogger {
  methodFactory: (method: string) => (...args: unknown[]) => void;
  setLevel(level: string): void;
}

/** Routes the SDK's own log lines into the daemon's structured log, at matching levels. */
export function routeSdkLogs(log: Logger): void {
  const sdk = sdkLogger as unknown as LogLevelLogger;
  sdk.methodFactory = (method) => {
    const level = method === "error" ? "error" : method === "warn" ? "warn" : "debug";
    if (!log.isLevelEnabled(level)) return () => undefined;
    return (...args) =>
      log[level](
        { source: "matrix-js-sdk" },
        args.map((a) => (a instanceof Error ? a.message : String(a))).join(" "),
      );
  };
  sdk.setLevel("debug");
}

export interface BotClientOptions {
  readonly baseUrl: string;
  readonly accessToken: string;
  readonly syncStorePath: string;
  readonly beforeSnapshot: () => Promise<void>;
  readonly onCorrupt: (detail: string) => void;
  readonly onSaveError: (error: unknown) => void;
  /** Where a failing sync snapshot write shows (health, metrics). */
  readonly writes?: Pick<WriteFaults, "noted" | "succeeded">;
  readonly encryption: EncryptionOptions;
}

/** ENCRYPTION: on, off, or on when one of the rooms the bot talks to moderators in is encrypted. */
export type EncryptionMode = "auto" | "on" | "off";

export interface EncryptionOptions {
  readonly mode: EncryptionMode;
  /** ADMIN_COMMAND_ROOM, OPERATOR_NOTIFY_ROOM, WELCOME_ROOM: the rooms "auto" looks at. */
  readonly talkRooms: readonly string[];
  readonly store: CryptoStoreSettings;
  /** ESCROW_PATH: the reference approver's escrowed room keys, imported at start (escrow.ts). */
  readonly escrowPath: string;
  readonly onStoreSaveError: (error: unknown) => void;
}

export interface BotClient {
  readonly client: MatrixClient;
  readonly store: FileSyncStore;
  /** The crypto store when encryption is on; undefined when it is off. */
  readonly crypto: DurableCryptoStore | undefined;
  /** Which of the talk rooms were encrypted at start. */
  readonly encryptedTalkRooms: readonly string[];
  /** How many room keys came from the reference's escrow file at this start. */
  readonly escrowSessions: number;
  /** The vetting rooms, read from /sync answers before (and instead of) the SDK. */
  readonly vettingRooms: VettingRoomSync;
}

export async function createBotClient(opts: BotClientOptions): Promise<BotClient> {
  const probe = createSdkClient({
    baseUrl: opts.baseUrl,
    accessToken: opts.accessToken,
  });
  let whoami;
  try {
    whoami = await probe.whoami();
  } catch (error) {
    throw toHomeserverError(error);
  }
  const store = new FileSyncStore({
    path: opts.syncStorePath,
    beforeSnapshot: opts.beforeSnapshot,
    onCorrupt: opts.onCorrupt,
    onSaveError: opts.onSaveError,
    writes: opts.writes,
    // The snapshot grows with every open room and costs most of the bot's CPU when saved each second;
    // replaying up to 15 s of sync after a crash is harmless (the engine is idempotent).
    minSaveIntervalMs: 15_000,
  });
  await store.startup();
  let crypto: DurableCryptoStore | undefined;
  const vettingRooms = new VettingRoomSync((roomId) => client.getRoom(roomId) !== null);
  const client = createSdkClient({
    baseUrl: opts.baseUrl,
    accessToken: opts.accessToken,
    userId: whoami.user_id,
    ...(whoami.device_id ? { deviceId: whoami.device_id } : {}),
    store,
    cryptoCallbacks: secretStorageKeyCallbacks(),
    timelineSupport: false,
    fetchFn: vettingRooms.syncFetch(
      pacedSyncFetch(
        SYNC_PACING,
        storeFirstFetch(() => crypto, nodeHttpFetch),
      ),
    ),
  });
  const { mode, talkRooms } = opts.encryption;
  let escrowSessions = 0;
  const encryptedTalkRooms = mode === "off" ? [] : await encryptedRooms(client, talkRooms);
  if (mode === "on" || encryptedTalkRooms.length > 0) {
    if (!whoami.device_id)
      throw new CryptoStoreRefused(
        "anteroom will not start: encryption needs the bot's token to belong to a device, and the homeserver names none for MATRIX_TOKEN; log the bot in with a password (anteroom init) or set ENCRYPTION=off",
      );
    crypto = await openCryptoStore(
      opts.encryption.store,
      { userId: whoami.user_id, deviceId: whoami.device_id },
      opts.encryption.onStoreSaveError,
    );
    await startCrypto(client, crypto);
    escrowSessions = await importEscrow(client, opts.encryption.escrowPath);
    if (escrowSessions > 0) {
      crypto.changed();
      await crypto.flush();
    }
  }
  return { client, store, crypto, encryptedTalkRooms, escrowSessions, vettingRooms };
}

export async function startSyncing(bot: BotClient): Promise<void> {
  // Members are not lazy-loaded: knocks pending from before the first sync must be in the space's state.
  const filter = Filter.fromJson(
    bot.client.getUserId(),
    "anteroom",
    createSyncFilterDefinition({ lazyLoadMembers: false }),
  );
  const started = bot.client.startClient({
    filter,
    initialSyncLimit: 20,
    lazyLoadMembers: false,
    threadSupport: false,
    disablePresence: true,
    pollTimeout: 30_000,
  });
  // Registered after startClient's own sync listeners (it adds them before its first await), so
  // these run after the SDK's for the same sync state.
  stopCallSessions(bot.client);
  dropForgottenRooms(bot.client);
  await started;
}

/**
 * The SDK's MatrixRTC (calls) manager starts itself after the first sync and from then on keeps a
 * session, which holds the Room, for every room the client sees, vetting rooms long closed
 * included: memory that only grows. The bot takes no part in calls.
 */
function stopCallSessions(client: MatrixClient): void {
  const stop = (): void => {
    if (!client.isInitialSyncComplete()) return;
    client.matrixRTC.stop();
    client.off(ClientEvent.Sync, stop);
  };
  client.on(ClientEvent.Sync, stop);
}

/**
 * Rooms the bot left and forgot (closed vetting rooms and lobbies) come back: the homeserver still
 * sends the leave in the next /sync, and the SDK makes a new Room for it and keeps it for good.
 * A room the SDK first meets as already left is dropped once that sync answer has been handled:
 * its events have been emitted by then, nothing reads a left room later (sync-watching code treats
 * "left" and "unknown" alike), and a restart from the sync snapshot has no left rooms either.
 */
function dropForgottenRooms(client: MatrixClient): void {
  let metAsLeft: Room[] = [];
  client.on(ClientEvent.Room, (room) => {
    if (room.getMyMembership() === "leave") metAsLeft.push(room);
  });
  client.on(ClientEvent.Sync, () => {
    if (metAsLeft.length === 0) return;
    const rooms = metAsLeft;
    metAsLeft = [];
    for (const room of rooms) {
      // Still left, and still this Room object (not one made since for a rejoin).
      if (room.getMyMembership() === "leave" && client.store.getRoom(room.roomId) === room) {
        client.store.removeRoom(room.roomId);
      }
    }
  });
}
