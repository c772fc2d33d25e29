/**
 * FileSyncStore: a matrix-js-sdk store that persists sync state to one JSON file, so a restart
 * resumes /sync where the last snapshot left off instead of doing a fresh initial sync.
 *
 * How matrix-js-sdk 43.0.0 drives a store (read from node_modules/matrix-js-sdk/src: sync.ts,
 * store/memory.ts, store/indexeddb.ts, store/indexeddb-local-backend.ts, sync-accumulator.ts):
 *
 * Start-up
 *  1. The SDK never calls `startup()`; the application must `await store.startup()` before
 *     `client.startClient()` (this is how IndexedDBStore is used as well).
 *  2. `SyncApi.sync()` calls `getSavedSyncToken()` and `getSavedSync()` concurrently. If there is a
 *     saved sync, `syncFromCache()` calls `setSyncToken(nextBatch)` and runs the cached data through
 *     `processSyncResponse()`, so every cached state and timeline event is emitted AGAIN
 *     (`RoomEvent.Timeline`, `ClientEvent.Event`) before `SyncState.Prepared` (with fromCache=true).
 *     Handlers must therefore be idempotent.
 *  3. The first /sync request is sent with `since = getSavedSyncToken()` BEFORE the cached data has
 *     finished processing, but its response is only processed after `await savedSyncPromise`.
 *     Without a saved token the first request uses an inline filter whose timeline limit is
 *     `initialSyncLimit` (default 8), not the limit from the filter passed to startClient.
 *
 * The sync loop (`SyncApi.doSync()`), per /sync response, strictly in this order:
 *  a. `await` the /sync request;
 *  b. `store.setSyncToken(next_batch)`: BEFORE any event is processed. So `getSyncToken()` runs ahead
 *     of the events the application has handled; persisting it would lose work on a crash (the bug
 *     of the bot this replaces). We persist the SyncAccumulator's own `nextBatch` instead;
 *  c. `await processSyncResponse()`: emits every event of the response (invites, joins, leaves,
 *     knocks) through the synchronous EventEmitter; a listener's returned promise is NOT awaited;
 *  d. `await store.setSyncData(data)`: the response is accumulated only after all its events were
 *     emitted;
 *  e. `Prepared` (first time), `cryptoCallbacks.onSyncCompleted()` (not awaited), `Syncing`;
 *  f. `if (store.wantsSave()) await store.save()` (never with force=true);
 *  g. the next iteration sends the next /sync request.
 *  So yes: the loop awaits `save()` before requesting the next /sync, and every event of a response
 *  has been emitted before `setSyncData()`/`save()` for it. "Emitted" is not "handled" though: async
 *  handlers may still be running, hence `beforeSnapshot`. A slow `beforeSnapshot` therefore also
 *  holds back the next /sync request (backpressure); one that never resolves stalls syncing.
 *
 * Caveats found in the SDK
 *  - If `processSyncResponse()` throws half-way (caught, `ClientEvent.SyncUnexpectedError`), the SDK
 *    still calls `setSyncData()` with the whole response, so the accumulator then holds events that
 *    were never emitted. An application that cares can make `beforeSnapshot` reject after
 *    SyncUnexpectedError: no further snapshot is written and a restart resumes from the last good one.
 *  - Encrypted events are decrypted asynchronously (`MatrixEventEvent.Decrypted` may fire after the
 *    save); to-device events are not part of the accumulator at all.
 *  - `await store.save()` in the loop is not guarded: a rejected save would end the sync loop
 *    silently (startClient only logs it). So a non-forced save never rejects; failures go to
 *    `onSaveError`. A forced save (the application's own call, e.g. on SIGTERM) does reject.
 *  - The SDK itself never calls `save(true)` or `isNewlyCreated()`; `deleteAllData()` is only called
 *    by `client.clearStores()`.
 *
 * SyncAccumulator (what IndexedDBStore's local backend does, reproduced here): `accumulate(response)`
 * on every `setSyncData`; `getJSON(true)` gives `{ nextBatch, roomsData, accountData }` to persist
 * (keeps `_localTs` so `unsigned.age` can be recomputed); restoring is `accumulate()` of a synthetic
 * response built from that JSON with `fromDatabase = true`. It keeps the last few timeline events
 * per joined room (SNAPSHOT_TIMELINE_EVENTS, trimmed at an event that carries a pagination token),
 * drops left rooms and typing notifications, and keeps receipts and global/room account data.
 *
 * Snapshot rule: a save serialises the accumulator synchronously and only then calls
 * `beforeSnapshot()`; the text is written once that resolves. Everything in the text was accumulated,
 * and therefore emitted (step c before d), before `beforeSnapshot()` was called, so the written file
 * never contains a response whose events the application has not finished handling, whichever way
 * "every event emitted so far" is read. A response accumulated while `beforeSnapshot()` is pending
 * goes into the next save.
 */
import { mkdir, open, readFile, readdir, rename, rm, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import {
  MemoryStore,
  SyncAccumulator,
  type IFilterDefinition,
  type IMinimalEvent,
  type IRooms,
  type ISyncResponse,
} from "matrix-js-sdk";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../store/atomic-file.js";
import type { WriteFaults } from "../store/write-faults.js";

/** What `getSavedSync()` returns (the SDK does not export the `ISavedSync` type itself). */
type SavedSync = Awaited<ReturnType<MemoryStore["getSavedSync"]>>;

export interface FileSyncStoreOptions {
  /** The snapshot file. Its directory is created on the first save if missing. */
  path: string;
  /** Never used: filter ids are not cached across restarts (the SDK re-uploads the filter). */
  localStorage?: undefined;
  /** Resolves when the application has handled every event emitted so far. */
  beforeSnapshot?: () => Promise<void>;
  /** The snapshot file could not be read or parsed; it was moved aside and the store starts empty. */
  onCorrupt?: (detail: string) => void;
  /** A save requested by the SDK (not forced) failed; such a save never rejects. */
  onSaveError?: (error: unknown) => void;
  /** Minimum time between two non-forced saves. Default 1000. */
  minSaveIntervalMs?: number;
  /** Where a failing snapshot write shows (health, metrics, the log), until a save succeeds. */
  writes?: Pick<WriteFaults, "noted" | "succeeded">;
}

const SNAPSHOT_VERSION = 1;

/**
 * Timeline events kept per room in the snapshot (the SDK's default is 50). On a restored start the
 * cached timeline is only replayed to idempotent handlers, and room state is kept apart from it, so
 * a short tail is enough; it keeps the file (and each save's copies of it) about a third smaller.
 */
const SNAPSHOT_TIMELINE_EVENTS = 8;

function newAccumulator(): SyncAccumulator {
  return new SyncAccumulator({ maxTimelineEntries: SNAPSHOT_TIMELINE_EVENTS });
}

interface SnapshotFile {
  version: typeof SNAPSHOT_VERSION;
  savedAt: string;
  nextBatch: string;
  roomsData: IRooms;
  accountData: IMinimalEvent[];
}

export class FileSyncStore extends MemoryStore {
  public readonly path: string;
  private readonly beforeSnapshot: (() => Promise<void>) | undefined;
  private readonly onCorrupt: ((detail: string) => void) | undefined;
  private readonly onSaveError: ((error: unknown) => void) | undefined;
  private readonly minSaveIntervalMs: number;
  private readonly writes: FileSyncStoreOptions["writes"];

  private accumulator = newAccumulator();
  /** Bumped on every change of the accumulator. */
  private generation = 0;
  /** The generation the file on disk holds (-1: unknown / none). */
  private writtenGeneration = -1;
  private lastSaveAt = Number.NEGATIVE_INFINITY;
  private newlyCreated = true;
  private startupPromise: Promise<void> | undefined;
  /** Set when accumulating a response failed: the accumulator can no longer be trusted. */
  private broken: Error | undefined;
  /** Tail of the queue that serialises saves and file deletion. */
  private queueTail: Promise<void> = Promise.resolve();
  /** A forced save that is queued but has not started yet; later forced saves join it. */
  private queuedForcedSave: Promise<void> | undefined;

  public constructor(opts: FileSyncStoreOptions) {
    super({});
    this.path = opts.path;
    this.beforeSnapshot = opts.beforeSnapshot;
    this.onCorrupt = opts.onCorrupt;
    this.onSaveError = opts.onSaveError;
    this.minSaveIntervalMs = opts.minSaveIntervalMs ?? 1000;
    this.writes = opts.writes;
  }

  /** Loads the snapshot file, if any. Call once before `client.startClient()`. */
  public override startup(): Promise<void> {
    this.startupPromise ??= this.load();
    return this.startupPromise;
  }

  public override isNewlyCreated(): Promise<boolean> {
    return Promise.resolve(this.newlyCreated);
  }

  public override setSyncData(syncData: ISyncResponse): Promise<void> {
    if (this.broken === undefined) {
      try {
        this.accumulator.accumulate(syncData);
        // A long-poll that timed out brings a new token and nothing else: rewriting the whole
        // snapshot for it cost most of an idle daemon's CPU with hundreds of rooms open. A restart
        // from the older token is answered with the same nothing.
        if (!onlyNewToken(syncData)) this.generation++;
      } catch (error) {
        // Keep the last good file; a restart resumes from it and re-emits what follows.
        this.broken = error instanceof Error ? error : new Error(String(error));
        this.onSaveError?.(error);
      }
    }
    return super.setSyncData(syncData);
  }

  public override getSavedSync(): Promise<SavedSync> {
    const data = this.accumulator.getJSON();
    if (!data.nextBatch) return Promise.resolve(null);
    // The SDK mutates what it is given; never hand out the accumulator's internals.
    return Promise.resolve(structuredClone(data));
  }

  public override getSavedSyncToken(): Promise<string | null> {
    // getNextBatchToken() is typed string but is null before anything was accumulated.
    return Promise.resolve(this.accumulator.getNextBatchToken() || null);
  }

  public override wantsSave(): boolean {
    return this.broken === undefined && Date.now() - this.lastSaveAt >= this.minSaveIntervalMs;
  }

  /**
   * Writes a snapshot when forced or when `minSaveIntervalMs` has passed since the last save.
   * Saves are serialised. A non-forced save never rejects (see the header); a forced one does.
   */
  public override save(force = false): Promise<void> {
    if (force) {
      if (this.queuedForcedSave) return this.queuedForcedSave;
      const forced = this.enqueue(() => {
        this.queuedForcedSave = undefined;
        return this.saveNow();
      });
      this.queuedForcedSave = forced;
      return forced;
    }
    if (!this.wantsSave()) return Promise.resolve();
    this.lastSaveAt = Date.now(); // claim the slot now, so calls made meanwhile coalesce
    return this.enqueue(() => this.saveNow()).catch((error: unknown) => {
      this.onSaveError?.(error);
    });
  }

  /** Forgets everything and removes the snapshot file (after any save in progress). */
  public override async deleteAllData(): Promise<void> {
    await super.deleteAllData();
    this.accumulator = newAccumulator();
    this.generation++;
    this.broken = undefined;
    this.newlyCreated = true;
    await this.enqueue(async () => {
      await rm(this.path, { force: true });
      this.writtenGeneration = -1;
    });
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queueTail.then(task);
    this.queueTail = run.catch(() => undefined);
    return run;
  }

  private async saveNow(): Promise<void> {
    this.lastSaveAt = Date.now();
    if (this.broken !== undefined) {
      throw new Error(
        `sync state not saved: accumulating a sync response failed: ${describe(this.broken)}`,
      );
    }
    const generation = this.generation;
    if (generation === this.writtenGeneration) return; // the file already holds this state
    const data = this.accumulator.getJSON(true);
    if (!data.nextBatch) return; // nothing accumulated yet
    const snapshot: SnapshotFile = {
      version: SNAPSHOT_VERSION,
      savedAt: new Date().toISOString(),
      nextBatch: data.nextBatch,
      roomsData: data.roomsData,
      accountData: data.accountData,
    };
    // Serialise before asking the application, in the same tick: see "Snapshot rule" above.
    const text = JSON.stringify(snapshot);
    await this.beforeSnapshot?.();
    try {
      await writeFileAtomic(this.path, text);
    } catch (error) {
      // No back-off wait here: the sync loop awaits this save, and the next one is the retry.
      this.writes?.noted(this.path, error, this.minSaveIntervalMs);
      throw error;
    }
    this.writes?.succeeded(this.path);
    this.writtenGeneration = generation;
  }

  private async load(): Promise<void> {
    await removeStaleTempFiles(this.path);
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if (errorCode(error) === "ENOENT") return; // first start
      await this.quarantine(`cannot read ${this.path}: ${describe(error)}`);
      return;
    }
    try {
      const data = parseSnapshot(text);
      const accumulator = newAccumulator();
      accumulator.accumulate(
        {
          next_batch: data.nextBatch,
          rooms: data.roomsData,
          account_data: { events: data.accountData },
        },
        true,
      );
      this.accumulator = accumulator;
      this.setSyncToken(data.nextBatch);
      this.generation++;
      this.writtenGeneration = this.generation;
      this.newlyCreated = false;
    } catch (error) {
      this.accumulator = newAccumulator();
      await this.quarantine(`${this.path} is not a valid sync snapshot: ${describe(error)}`);
    }
  }

  private async quarantine(problem: string): Promise<void> {
    const aside = `${this.path}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    let detail = problem;
    try {
      await rename(this.path, aside);
      detail += `; moved aside to ${aside}; starting with an empty sync state`;
    } catch (error) {
      detail += `; could not move it aside (${describe(error)}); starting with an empty sync state`;
    }
    this.onCorrupt?.(detail);
  }
}

/**
 * A tight /sync filter for a bot: no presence, no typing/receipts, at most 20 timeline events per
 * room and (by default) lazily loaded members. Global account data is left alone: the SDK reads
 * m.push_rules, m.ignored_user_list and m.direct from it, and secret storage lives there if E2EE is
 * ever enabled.
 *
 * Returns a new object on every call: the SDK mutates filter definitions (its initial-sync filter
 * shares the definition object and calls setTimelineLimit on it).
 *
 * Usage:
 *
 *   const filter = new Filter(client.getUserId()); // or Filter.fromJson(userId, anyId, definition)
 *   filter.setDefinition(createSyncFilterDefinition());
 *   await client.startClient({ filter, lazyLoadMembers: true, initialSyncLimit: 20 });
 *
 * The SDK uploads the definition itself with `client.getOrCreateFilter()` (POST
 * /user/{userId}/filter, i.e. `client.createFilter(definition)`) and syncs with the returned id; the
 * Filter's own filterId is not used for that. Without localStorage the id is not remembered, so this
 * happens once per start. `initialSyncLimit` matters because the very first sync (no saved token)
 * replaces the timeline limit with it (default 8).
 *
 * Lazy loading: with `lazy_load_members` the SERVER leaves out the m.room.member state of everyone
 * who did not send one of the returned timeline events, e.g. knocks that were pending before the
 * initial sync. `startClient({ lazyLoadMembers: false })` does not undo that (the SDK only ever adds
 * the flag) and makes the SDK believe the member lists are complete. Pass `lazyLoadMembers: true`
 * too and call `room.loadMembersIfNeeded()` where full membership is needed, or build the filter
 * with `{ lazyLoadMembers: false }` when the full member state must arrive through /sync.
 */
export function createSyncFilterDefinition(
  opts: { lazyLoadMembers?: boolean } = {},
): IFilterDefinition {
  return {
    presence: { not_types: ["*"] },
    room: {
      ephemeral: { not_types: ["*"] },
      timeline: { limit: 20 },
      state: { lazy_load_members: opts.lazyLoadMembers ?? true },
    },
  };
}

/** Whether a /sync answer carries nothing but its `next_batch` (no room, account data or to-device event). */
function onlyNewToken(data: ISyncResponse): boolean {
  const rooms = data.rooms;
  const roomCount = rooms
    ? Object.keys(rooms.join ?? {}).length +
      Object.keys(rooms.invite ?? {}).length +
      Object.keys(rooms.leave ?? {}).length +
      Object.keys(rooms.knock ?? {}).length
    : 0;
  return roomCount === 0 && !data.account_data?.events?.length && !data.to_device?.events?.length;
}

function parseSnapshot(text: string): SnapshotFile {
  const value: unknown = JSON.parse(text);
  if (!isRecord(value)) throw new Error("not a JSON object");
  if (value.version !== SNAPSHOT_VERSION) {
    throw new Error(`unsupported version ${JSON.stringify(value.version)}`);
  }
  if (typeof value.nextBatch !== "string" || value.nextBatch === "") {
    throw new Error("nextBatch missing");
  }
  const rooms = value.roomsData;
  if (!isRecord(rooms)) throw new Error("roomsData missing");
  for (const category of ["join", "invite", "leave", "knock"] as const) {
    const section = rooms[category];
    if (section === undefined) continue;
    if (!isRecord(section)) throw new Error(`roomsData.${category} is not an object`);
    for (const [roomId, room] of Object.entries(section)) {
      if (!isRecord(room)) throw new Error(`roomsData.${category}[${roomId}] is not an object`);
    }
  }
  if (
    !Array.isArray(value.accountData) ||
    !value.accountData.every((event) => isRecord(event) && typeof event.type === "string")
  ) {
    throw new Error("accountData is not a list of events");
  }
  return {
    version: SNAPSHOT_VERSION,
    savedAt: typeof value.savedAt === "string" ? value.savedAt : "",
    nextBatch: value.nextBatch,
    roomsData: {
      join: {},
      invite: {},
      leave: {},
      knock: {},
      ...rooms,
    } as IRooms,
    accountData: value.accountData as IMinimalEvent[],
  };
}

let tempFileCounter = 0;

function tempPrefix(path: string): string {
  return `${basename(path)}.tmp-`;
}

/** Temp file in the same directory, fsync, rename over the target, fsync the directory. */
async function writeFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  tempFileCounter++;
  const temp = join(dir, `${tempPrefix(path)}${process.pid}-${tempFileCounter}`);
  let renamed = false;
  try {
    const handle = await open(temp, "wx", PRIVATE_FILE_MODE);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    renamed = true;
    await fsyncDirectory(dir);
  } finally {
    if (!renamed) await rm(temp, { force: true }).catch(() => undefined);
  }
}

/** Error codes of platforms/filesystems that cannot fsync a directory. */
const DIRECTORY_FSYNC_UNSUPPORTED = new Set(["EISDIR", "EINVAL", "EPERM", "ENOTSUP", "EBADF"]);

async function fsyncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (error) {
    if (!DIRECTORY_FSYNC_UNSUPPORTED.has(errorCode(error) ?? "")) throw error;
  } finally {
    await handle?.close();
  }
}

/** Best effort: temp files left behind by a crash in the middle of a save. */
async function removeStaleTempFiles(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = tempPrefix(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(
    names
      .filter((name) => name.startsWith(prefix))
      .map((name) => rm(join(dir, name), { force: true }).catch(() => undefined)),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function errorCode(error: unknown): string | undefined {
  if (isRecord(error) || error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
