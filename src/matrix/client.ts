/** Creates the bot's matrix-js-sdk client with a file-backed sync store and a tight filter. */
import { createClient, Filter, type MatrixClient } from "matrix-js-sdk";
import type { Logger } from "pino";
import { logger as sdkLogger } from "matrix-js-sdk/lib/logger.js";
import { FileSyncStore, createSyncFilterDefinition } from "./file-sync-store.js";
import { toHomeserverError } from "./errors.js";
import { pacedSyncFetch } from "./sync-pacing.js";

/** Least time between a /sync answer and the next /sync request (see sync-pacing.ts). */
const SYNC_GAP_MS = 100;

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
}

export interface BotClient {
  readonly client: MatrixClient;
  readonly store: FileSyncStore;
}

export async function createBotClient(opts: BotClientOptions): Promise<BotClient> {
  const probe = createClient({ baseUrl: opts.baseUrl, accessToken: opts.accessToken });
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
    // The snapshot grows with every open room and costs most of the bot's CPU when saved each second;
    // replaying up to 15 s of sync after a crash is harmless (the engine is idempotent).
    minSaveIntervalMs: 15_000,
  });
  await store.startup();
  const client = createClient({
    baseUrl: opts.baseUrl,
    accessToken: opts.accessToken,
    userId: whoami.user_id,
    ...(whoami.device_id ? { deviceId: whoami.device_id } : {}),
    store,
    timelineSupport: false,
    fetchFn: pacedSyncFetch(SYNC_GAP_MS),
  });
  return { client, store };
}

export async function startSyncing(bot: BotClient): Promise<void> {
  // Members are not lazy-loaded: knocks pending from before the first sync must be in the space's state.
  const filter = Filter.fromJson(
    bot.client.getUserId(),
    "anteroom",
    createSyncFilterDefinition({ lazyLoadMembers: false }),
  );
  await bot.client.startClient({
    filter,
    initialSyncLimit: 20,
    lazyLoadMembers: false,
    threadSupport: false,
    disablePresence: true,
    pollTimeout: 30_000,
  });
}
