/** The engine runtime: wiring only. The engine decides; this connects it to disk and Matrix. */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { setTimeout } from "node:timers/promises";
import type { Logger, LoggerOptions } from "pino";
import { seedCodeBook, type CodeBook } from "../core/codes/code-book.js";
import { Engine } from "../core/engine/engine.js";
import { systemClock } from "./system-clock.js";
import type { DaemonConfig } from "./config.js";
import {
  acquireDataDirLock,
  waitForDataDirLock,
  type DataDirLock,
  type LockOptions,
} from "./store/data-dir-lock.js";
import type { AuditSink } from "../core/ports.js";
import type { EngineEvents } from "../core/engine/events.js";
import { publishedAudit } from "./store/published-audit.js";
import type { UndecryptableMessages } from "../core/moderation/triage.js";
import { AuditLog } from "./store/audit-log.js";
import { endorsingAudit } from "./moderation/endorsements.js";
import { makeDataDirPrivate } from "./store/private-data-dir.js";
import { prepareDataDir } from "./store/data-dir.js";
import { WriteFaults } from "./store/write-faults.js";
import { openCodeBook, openLobbyBook, openVettingBook } from "./store/books.js";
import { openInviteBook, openJoinWaveStore } from "./store/wave-and-invite-books.js";
import { noticeJoinWaves } from "./chat/join-wave-notice.js";
import { noticeWaiting } from "./chat/waiting-notice.js";
import { noticeSender } from "./chat/notice.js";
import type { JsonStore } from "./store/json-store.js";
import {
  carryOverReferenceLobbies,
  carryOverReferenceVetting,
  type ReferenceCarryOver,
} from "./store/reference-migration.js";
import { UNSUPPORTED_REFERENCE_SETTINGS } from "../core/migration/reference-env.js";
import { createBotClient, routeSdkLogs, startSyncing, type BotClient } from "./matrix/client.js";
import { CryptoStoreRefused } from "./matrix/crypto/bot-crypto.js";
import { identityApproval, type IdentityApproval } from "./matrix/crypto/identity-approval.js";
import { ensureBotIdentity } from "./matrix/crypto/bot-identity.js";
import { roomHistorySharing } from "./matrix/crypto/history-sharing.js";
import { SdkMatrixPort } from "./matrix/matrix-port.js";
import { TokenRefusedError } from "./matrix/errors.js";
import { SendBreaker } from "./matrix/send-breaker.js";
import { watchSpace, type SyncHealth } from "./matrix/space-watch.js";
import { openTokenIssuer } from "./matrix/registration-tokens.js";
import { auditedTokens, type AuditedTokens } from "./moderation/audited-tokens.js";
import { openOperatorRoom } from "./chat/wire.js";
import { openModeration, type Moderation } from "./moderation/open-moderation.js";
import { openRoles } from "./moderation/open-roles.js";
import type { Lifecycle } from "./moderation/lifecycle.js";
import type { AdminRoles } from "./http/admin/roles.js";
import { SdkModerationPort } from "./matrix/moderation-port.js";
import { memberActionService, type MemberActionService } from "./moderation/member-actions.js";

/**
 * The engine with everything it stands on: the data-dir lock, the books, the
 * audit log, the bot's Matrix client. The daemon and the in-process console
 * both run one of these.
 */
/** The bot's encryption as health reports it: on, and what it could not decrypt (the last: when, who). */
interface EncryptionHealth {
  on: boolean;
  undecryptable: number;
  last?: UndecryptableMessages["last"];
}

export interface Runtime {
  readonly engine: Engine;
  readonly matrix: SdkMatrixPort;
  readonly bot: BotClient;
  readonly codes: JsonStore<CodeBook>;
  readonly signupCodes: JsonStore<CodeBook>;
  readonly audit: AuditLog;
  /** The audit log with endorsements (endorsements.jsonl) for admissions: what signup writes through. */
  readonly admissionAudit: AuditSink;
  readonly health: SyncHealth;
  /** Homeserver registration tokens, through the bot's or HS_ADMIN_TOKEN's admin rights. */
  readonly tokens: AuditedTokens;
  /** The blocklist, policy lists and watchdog; its `screen` guards the doors. */
  readonly moderation: Moderation;
  /** Power-level roles across the space, shared by chat, the admin API and the console. */
  readonly roles: AdminRoles;
  /** User-lifecycle hooks, queued durably until the engine is ready. */
  readonly lifecycle: Lifecycle;
  /** Kick, ban and unban across the space, shared by chat, the admin API and the console. */
  readonly memberActions: MemberActionService;
  /** Writes to the data dir failing now (disk full, I/O errors), retried with back-off. */
  readonly writeFaults: WriteFaults;
  /** Accepting a sender's changed cross-signing identity (the verified-device gate). */
  readonly identities: IdentityApproval;
  /** Told of each message in the operator room that stayed encrypted (for metrics). */
  onUndecryptable: () => void;
  /** Whether the bot's encryption is on, and the operator-room messages it could not decrypt. */
  readonly encryption: Readonly<EncryptionHealth>;
  /** Starts syncing and the clock; resolves once the first sync request is under way. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  /** Wait while another instance holds the data dir, and take over when it stops (shared volume). */
  readonly standby?: boolean;
  /** Where failing writes are reported and retried (default: a new one that logs them). */
  readonly writeFaults?: WriteFaults;
  /** Abandons a start still waiting (for the homeserver, say): openRuntime rejects. */
  readonly signal?: AbortSignal;
  /** What the start is waiting on now, e.g. "homeserver unreachable: …" (health shows it). */
  readonly onWaiting?: (reason: string) => void;
}

/** Failing writes, logged as they fail and recover. */
export function loggedWriteFaults(log: Logger): WriteFaults {
  return new WriteFaults({
    failed: (fault, retryInMs) => {
      // The first failure, then about once a minute: a day-long outage is not a flood of lines.
      if (fault.attempts !== 1 && fault.attempts % 12 !== 0) return;
      log.error(
        { path: fault.path, code: fault.code, attempts: fault.attempts, retryInMs },
        `could not write ${fault.path} (${fault.message}); anteroom waits and tries again — free space or fix the disk`,
      );
    },
    recovered: (path, fault) =>
      log.info(
        { path, attempts: fault.attempts, failingForMs: Date.now() - fault.since },
        "writing works again",
      ),
  });
}

export async function openRuntime(
  config: DaemonConfig,
  log: Logger,
  options: RuntimeOptions = {},
): Promise<Runtime> {
  routeSdkLogs(log);
  await prepareDataDir(config.paths.dataDir); // one clear line when this user cannot write it
  await privateDataDir(config, log);
  // A standby may wait for the lock for days: a stop does not wait with it.
  const lock = await abandonedOnAbort(
    lockDataDir(config.paths.dataDir, log, options.standby ?? false),
    options.signal,
  );
  try {
    return await openLocked(config, log, options, lock);
  } catch (error) {
    // A start abandoned or refused: the next one (or the standby) must find the data dir free.
    await lock.release().catch(() => undefined);
    throw error;
  }
}

async function openLocked(
  config: DaemonConfig,
  log: Logger,
  options: RuntimeOptions,
  lock: DataDirLock,
): Promise<Runtime> {
  const writeFaults = options.writeFaults ?? loggedWriteFaults(log);
  const codes = await openCodeBook(config.paths.codes, writeFaults);
  const signupCodes = await openCodeBook(config.paths.signupCodes, writeFaults);
  const carried = await carryOverReferenceVetting(config.paths.vetting, {
    now: Date.now(),
    lifetimeSec: config.engine.lifetimeSec,
    maxTries: config.engine.maxTries,
  });
  const vetting = await openVettingBook(config.paths.vetting, writeFaults);
  const carriedLobbies = await carryOverReferenceLobbies(config.paths.lobby, {
    now: Date.now(),
    lifetimeSec: config.engine.lobby.lifetimeSec,
    maxTries: config.engine.lobby.maxTries,
    ...(config.engine.lobby.resendAfterSec === undefined
      ? {}
      : { resendAfterSec: config.engine.lobby.resendAfterSec }),
    ...(config.serverName === undefined ? {} : { serverName: config.serverName }),
    codeLabel: (code) => codes.value[code]?.label,
  });
  const { store: lobbies, foreign: foreignLobbies } = await openLobbyBook(
    config.paths.lobby,
    writeFaults,
  );
  if (foreignLobbies > 0)
    log.warn(
      { path: config.paths.lobby, entries: foreignLobbies },
      "the lobby book holds entries anteroom did not make; they are kept on disk and ignored",
    );
  const joinWave = await openJoinWaveStore(config.paths.joinWave, writeFaults);
  const invites = await openInviteBook(config.paths.invites, writeFaults);
  const audit = await AuditLog.open(config.paths.auditLog, { retry: writeFaults });
  const endorsements = await AuditLog.open(config.paths.endorsements, { retry: writeFaults });
  if (carried) await recordCarryOver("vetting.json", carried, audit, log);
  if (carriedLobbies) await recordCarryOver("lobby.json", carriedLobbies, audit, log);
  for (const name of config.ignoredReferenceSettings)
    log.warn(
      { setting: name, why: UNSUPPORTED_REFERENCE_SETTINGS[name] },
      "a reference approver setting that anteroom does not use is set; it is ignored",
    );
  await seed(codes, config.seeds.codes, "invite", audit);
  await seed(signupCodes, config.seeds.signupCodes, "signup", audit);

  // The sync store snapshots only what the engine has handled; the engine needs the client first.
  let engineIdle = (): Promise<void> => Promise.resolve();
  const bot = await connect(config, log, () => engineIdle(), writeFaults, options);
  if (bot.escrowSessions > 0)
    log.info(
      { sessions: bot.escrowSessions, file: config.paths.escrow },
      "imported the reference approver's escrowed room keys",
    );
  else if (config.encryption.referenceCryptoDb && !existsSync(config.paths.escrow))
    log.warn(
      { cryptoDb: config.encryption.referenceCryptoDb, escrow: config.paths.escrow },
      "the reference approver's crypto database (CRYPTO_DB) is not reused and no escrow file is there: what it could read stays unreadable to the bot unless the reference writes its escrow (ESCROW_PATH) before anteroom starts",
    );
  const breaker = new SendBreaker(config.sendCaps, (open, detail) =>
    open
      ? log.warn({ detail }, "send circuit breaker open: messages are held back")
      : log.info({ detail }, "send circuit breaker closed"),
  );
  const matrix = new SdkMatrixPort(bot.client, breaker, {
    lobbyAliasPrefix: config.lobbyAliasPrefix,
    aliasOf: (roomId) => bot.vettingRooms.aliasOf(roomId),
  });
  // What the services beside the engine audit reaches the console live, as the engine's own entries.
  const made: { events?: EngineEvents } = {};
  const liveAudit = publishedAudit(audit, () => made.events);
  if (config.encryption.shareRoomHistory) {
    const shareHistory = roomHistorySharing(bot.client, { audit: liveAudit, log, now: Date.now });
    matrix.onInvited = (roomId, user) => void shareHistory(roomId, user);
  }
  const moderation = await openModeration(config, {
    client: bot.client,
    breaker,
    audit: liveAudit,
    log,
    writes: writeFaults,
  });
  // What the engine and the signup service write through: the audit log, and who vouched for whom.
  const admissionAudit = endorsingAudit(
    audit,
    endorsements,
    () => ({
      botUserId: matrix.userId,
      inviteCodes: codes.value,
      signupCodes: signupCodes.value,
      codeOfRoom: (roomId) =>
        Object.values(vetting.value).find((record) => record.roomId === roomId)?.code ??
        Object.values(lobbies.value).find((lobby) => lobby.roomId === roomId)?.code,
    }),
    log,
  );
  const engine = new Engine(
    {
      matrix,
      codes,
      signupCodes,
      vetting,
      lobbies,
      audit: admissionAudit,
      clock: systemClock,
      log,
      random: Math.random,
      secureRandom: (bytes) => randomBytes(bytes),
      screen: moderation.screen,
      joinWave,
      invites,
    },
    config.engine,
  );
  made.events = engine.events;
  const notifyRoom = config.moderation.notifyRoom;
  const notify = noticeSender(bot.client, breaker);
  const stopNotices = notifyRoom
    ? stopAll(
        noticeJoinWaves({
          api: engine,
          send: notify,
          roomId: notifyRoom,
          onError: (error) =>
            log.warn({ err: error }, "could not tell the notify room of a join wave"),
        }),
        noticeWaiting({
          api: engine,
          send: notify,
          roomId: notifyRoom,
          onError: (error) =>
            log.warn({ err: error }, "could not tell the notify room of something waiting"),
        }),
      )
    : () => undefined;
  engineIdle = () => engine.idle();
  engine.start();
  const health = watchSpace(bot, engine, config.engine.spaceId, {
    onError: (error, what) => log.error({ err: error, what }, "could not handle a sync update"),
    onConnectivity: (reachable, state) => {
      if (!reachable) {
        log.warn(
          { state, homeserver: config.homeserverUrl },
          "lost the homeserver; sync retries with back-off",
        );
        return;
      }
      log.info({ state }, "the homeserver is reachable again");
      engine.homeserverBack();
    },
  });
  const tokens = auditedTokens(
    openTokenIssuer({
      baseUrl: config.homeserverUrl,
      accessToken: config.tokenAdmin.accessToken,
      adminLabel: config.tokenAdmin.label,
      ...(config.tokenAdmin.flavour === undefined ? {} : { flavour: config.tokenAdmin.flavour }),
    }),
    liveAudit,
    Date.now,
  );
  const { roles, lifecycle } = await openRoles(config, {
    bot,
    matrix,
    audit: liveAudit,
    log,
    health,
    writes: writeFaults,
  });
  const memberActions = memberActionService({
    port: new SdkModerationPort(bot.client),
    rooms: [config.engine.spaceId, ...config.engine.childIds],
    audit: liveAudit,
    now: Date.now,
  });
  // Chat commands: listening before the first sync, so the backlog is told apart from live commands.
  const operatorRoom = openOperatorRoom(config, {
    client: bot.client,
    breaker,
    api: engine,
    audit: liveAudit,
    log,
    actions: moderation.actions,
    roles: roles.service,
    memberActions,
    tokens,
    onUndecryptable: (failure) => {
      encryption.undecryptable++;
      encryption.last = {
        at: Date.now(),
        ...(failure.sender === undefined ? {} : { sender: failure.sender }),
      };
      runtime.onUndecryptable();
    },
  });
  const encryption: EncryptionHealth = { on: bot.crypto !== undefined, undecryptable: 0 };
  let ticker: NodeJS.Timeout | undefined;
  // While a decision waits for the disk, ticks are not piled up behind it.
  let ticking = false;
  // Hand edits of the code books and the blocklist are looked for every few ticks, not every one:
  // each look is a stat per file through the thread pool, a third of the daemon's idle CPU when
  // done every second, for an edit nobody needs picked up within the second.
  let ticksToHandEditCheck = 0;
  const bookErrors = new Map<string, string>();
  const runtime: Runtime = {
    onUndecryptable: () => undefined,
    encryption,
    identities: identityApproval(bot.client, liveAudit, Date.now),
    engine,
    matrix,
    bot,
    codes,
    signupCodes,
    audit,
    admissionAudit,
    health,
    tokens,
    moderation,
    roles,
    lifecycle,
    memberActions,
    writeFaults,
    async start() {
      await startSyncing(bot);
      // In the background: the first sync must not wait for it.
      void ensureBotIdentity(bot.client, log, {
        keyPath: config.paths.recoveryKey,
        keyBackup: config.encryption.keyBackup,
      });
      moderation.start();
      ticker = setInterval(() => {
        if (!ticking) {
          ticking = true;
          engine
            .tick()
            .catch((error: unknown) => log.error({ err: error }, "tick failed"))
            .finally(() => (ticking = false));
        }
        if (ticksToHandEditCheck-- <= 0) {
          ticksToHandEditCheck = HAND_EDIT_CHECK_EVERY_TICKS - 1;
          engine
            .exclusive(() => reloadHandEdits([codes, signupCodes], bookErrors, log))
            .catch((error: unknown) =>
              log.error({ err: error }, "reloading the code books failed"),
            );
          moderation
            .reloadHandEdit()
            .catch((error: unknown) => log.error({ err: error }, "reloading the blocklist failed"));
        }
        lifecycle.drainSoon();
      }, config.tickMs);
    },
    async stop() {
      clearInterval(ticker);
      // Stopping does not wait for a full disk: what is not on disk yet was never acted on.
      writeFaults.stop();
      stopNotices();
      operatorRoom.stop();
      bot.client.stopClient();
      await engine.stop();
      await moderation.stop();
      await lifecycle.idle();
      await bot.store
        .save(true)
        .catch((error: unknown) => log.warn({ err: error }, "could not save the sync state"));
      await bot.crypto
        ?.close()
        .catch((error: unknown) => log.warn({ err: error }, "could not save the crypto store"));
      await Promise.all([
        signupCodes.close(),
        joinWave.close(),
        invites.close(),
        audit.close(),
        endorsements.close(),
        vetting.close(),
      ]);
      await lock.release();
    },
  };
  return runtime;
}

/** Rejects as soon as `signal` aborts, whatever `work` is still doing. */
function abandonedOnAbort<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise((resolve, reject) => {
    const abort = () => reject(signal.reason as Error);
    if (signal.aborted) abort();
    signal.addEventListener("abort", abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

/** Creates the data dir 0700, or makes what an earlier run or the reference approver left there private. */
async function privateDataDir(config: DaemonConfig, log: Logger): Promise<void> {
  const { dataDir, ...files } = config.paths;
  const kept = [...Object.values(files), `${files.vetting}.journal`];
  const { tightened, failed } = await makeDataDirPrivate(dataDir, kept);
  if (tightened.length > 0)
    log.warn(
      { dataDir, tightened: tightened.slice(0, 20), more: Math.max(0, tightened.length - 20) },
      "the data dir was readable by other users of this machine; made it private (folders 0700, files 0600)",
    );
  if (failed.length > 0)
    log.error(
      { dataDir, failed: failed.slice(0, 20) },
      "could not make these private (another user's files?); fix their owner or mode by hand",
    );
}

async function lockDataDir(dataDir: string, log: Logger, standby: boolean): Promise<DataDirLock> {
  const options: LockOptions = {
    onLost: (detail) => {
      log.fatal(
        { detail, dataDir },
        "another anteroom took the data dir over (this one was silent too long); stopping at once so that two engines never act on it",
      );
      // Nothing may be written any more: what is in flight is the new owner's to redo.
      process.exit(1);
    },
    onHeartbeatError: (error) =>
      log.warn({ err: error, dataDir }, "could not refresh the data-dir lock; trying again"),
  };
  if (!standby) return acquireDataDirLock(dataDir, options);
  const lock = await waitForDataDirLock(dataDir, {
    ...options,
    onStandingBy: (holder) =>
      log.info(
        {
          dataDir,
          pid: holder.pid,
          host: holder.host,
          lastHeartbeat: holder.heartbeatAt?.toISOString(),
        },
        "standing by: another anteroom owns the data dir; taking over when it stops or its heartbeat does",
      ),
  });
  log.info({ dataDir }, "took the data-dir lock");
  return lock;
}

export function loggerOptions(config: DaemonConfig): LoggerOptions {
  return {
    level: config.logLevel,
    base: { app: "anteroom" },
    redact: {
      paths: [
        "accessToken",
        "access_token",
        "password",
        "token",
        "*.password",
        "*.access_token",
        // The log is also served by the admin API (src/http/admin/log.ts): a bearer header or a
        // token one level down stays out of it too.
        "*.accessToken",
        "*.token",
        "authorization",
        "*.authorization",
        "*.headers.authorization",
      ],
      censor: "[redacted]",
    },
  };
}

/** Logs in, waiting out a homeserver that is not up yet; a rejected token ends the start. */
async function connect(
  config: DaemonConfig,
  log: Logger,
  beforeSnapshot: () => Promise<void>,
  writes: WriteFaults,
  { signal, onWaiting }: RuntimeOptions,
): Promise<BotClient> {
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await createBotClient({
        baseUrl: config.homeserverUrl,
        accessToken: config.accessToken,
        syncStorePath: config.paths.syncStore,
        beforeSnapshot,
        onCorrupt: (detail) =>
          log.warn(
            { detail },
            "the saved sync state was unreadable; it was set aside and sync starts afresh",
          ),
        onSaveError: (error) =>
          log.warn({ err: error }, "could not save the sync state; will try again"),
        writes,
        encryption: {
          mode: config.encryption.mode,
          talkRooms: talkRooms(config),
          store: {
            storePath: config.paths.cryptoStore,
            keyPath: config.paths.cryptoStoreKey,
            ...(config.encryption.storeKey ? { configuredKey: config.encryption.storeKey } : {}),
          },
          escrowPath: config.paths.escrow,
          onStoreSaveError: (error) =>
            log.warn({ err: error }, "could not save the crypto store; will try again"),
        },
      });
    } catch (error) {
      if (error instanceof CryptoStoreRefused) throw error;
      const transient = (error as { transient?: boolean }).transient === true;
      if (!transient) {
        const { errcode } = error as { errcode?: string };
        throw new TokenRefusedError(config.homeserverUrl, errcode, (error as Error).message);
      }
      const wait = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
      onWaiting?.(`homeserver unreachable: ${(error as Error).message}`);
      log.warn(
        {
          homeserver: config.homeserverUrl,
          attempt,
          retryInMs: wait,
          error: (error as Error).message,
        },
        "cannot reach the homeserver yet; trying again (check HS and that the homeserver runs)",
      );
      await setTimeout(wait, undefined, { signal });
    }
  }
}

/** The rooms where the bot talks to people who are not newcomers: these may be encrypted. */
function talkRooms(config: DaemonConfig): string[] {
  const rooms = [
    config.operatorRoom.roomId,
    config.moderation.notifyRoom,
    config.engine.invites?.welcomeRoom,
  ].filter((room): room is string => room !== undefined);
  return [...new Set(rooms)];
}

async function seed(
  book: JsonStore<CodeBook>,
  seedBook: CodeBook,
  kind: string,
  audit: AuditLog,
): Promise<void> {
  const { book: seeded, added } = seedCodeBook(book.value, seedBook);
  if (added.length === 0) return;
  book.update(() => seeded);
  await book.flush();
  await audit.append({
    ts: Date.now() / 1000,
    type: "codes_seeded",
    kind,
    labels: added.map((code) => seeded[code]?.label ?? ""),
  });
}

async function recordCarryOver(
  file: string,
  carried: ReferenceCarryOver,
  audit: AuditLog,
  log: Logger,
): Promise<void> {
  const { backup, open, closed, skipped, staleJournal } = carried;
  log.info(
    { file, backup, open, closed, skipped },
    "carried the reference approver's file over; the original is kept as the backup",
  );
  if (staleJournal)
    log.warn(
      { file, staleJournal },
      "an earlier anteroom's journal predates the reference approver's file; it was set aside, not replayed",
    );
  await audit.append({
    ts: Date.now() / 1000,
    type: "reference_carried_over",
    file,
    open,
    closed,
    skipped: skipped.length,
  });
}

/** Every how many ticks (TICK_MS, a second by default) a hand edit of a book is looked for. */
const HAND_EDIT_CHECK_EVERY_TICKS = 5;

/** Picks up hand edits of the code books; a bad edit is reported once and the last good book stays in use. */
async function reloadHandEdits(
  books: JsonStore<CodeBook>[],
  errors: Map<string, string>,
  log: Logger,
): Promise<void> {
  for (const book of books) {
    const { changed, error } = await book.reloadIfChangedOnDisk();
    const path = book.path;
    if (error && errors.get(path) !== error.message) {
      errors.set(path, error.message);
      log.error(
        { path },
        `${error.message} The last good version stays in use; a bad file is kept as ${path}.rejected-* when anteroom next writes.`,
      );
    } else if (changed && !error) {
      errors.delete(path);
      log.info({ path }, "picked up a hand edit");
    }
  }
}

/** One stop for several unsubscribes. */
function stopAll(...stops: (() => void)[]): () => void {
  return () => stops.forEach((stop) => stop());
}
