/**
 * The attach client: `EngineApi` over the daemon's admin socket, so the
 * console works the same attached to a daemon as with an engine in-process.
 *
 * `EngineApi.snapshot()` is synchronous, so a `RemoteEngine` keeps a mirror:
 * `connectEngine()` opens the event stream, waits for its first snapshot, and
 * from then on applies every event to the mirror before handing it on. One
 * stream serves every subscriber.
 *
 * Sequence numbers are the client's own. The daemon numbers its events from 0
 * at every start, so the client renumbers them: `snapshot().seq` and the `seq`
 * of every event delivered to `subscribe()` listeners keep increasing across
 * reconnects, and the usual contract holds (subscribe, take `snapshot()`, drop
 * events with `seq <= snapshot.seq`).
 *
 * When the stream drops (the daemon restarts, or dropped this client for being
 * slow) the client reconnects with back-off. On the new stream's snapshot it
 * 1. replaces the mirror and emits, as ordinary events, a `record` (or
 *    `lobby`) event for every record that is new or changed, a `removed` event
 *    for every record the daemon forgot meanwhile, a `codes` event for every
 *    code book that changed, and an `invites` event when the pending invites did;
 * 2. fetches the audit entries written while it was away and emits them as
 *    `audit` events;
 * 3. calls the `onResync` listeners with the new mirror, which a front end
 *    may take as its whole picture.
 * `onConnection` listeners hear when the stream is lost and when it is back.
 */
import { Agent, request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { AuditQuery } from "../../core/ports.js";
import type {
  CodeBookEdit,
  CodeBookName,
  CommandResult,
  EngineApi,
  EngineSnapshot,
  MintRequest,
  OpenLobbyResult,
} from "../../core/api.js";
import type { CodeBook, CodeEntry } from "../../core/codes/code-book.js";
import type { EngineEvent } from "../../core/engine/events.js";
import type { ModeratorAction } from "../../core/vetting/commands.js";
import type { VettingRecord } from "../../core/vetting/record.js";
import type { LobbyRecord } from "../../core/lobby/record.js";
import type { LobbyAction } from "../../core/lobby/commands.js";
import { SseParser, type SseEvent } from "./sse.js";

export const ADMIN_SOCKET_NAME = "admin.sock";
const PREFIX = "/admin/v1";

type AuditRow = { ts: number; type: string; [field: string]: unknown };

export interface AdminHealth {
  readonly status: string;
  readonly sync: string;
  readonly last_sync_ms_ago: number | null;
  readonly records_by_phase: Record<string, number>;
  readonly seq: number;
  readonly pid: number;
  /** HS_PUBLIC: the base of code links. */
  readonly public_url?: string;
}

export interface RemoteEngine extends EngineApi {
  readonly socketPath: string;
  /** The event stream is up (false between a drop and the next snapshot). */
  readonly connected: boolean;
  /** Called after a reconnect with the fresh mirror, once the changes were emitted as events. */
  onResync(listener: (snapshot: EngineSnapshot) => void): () => void;
  /** Called when the stream to the daemon is lost (`false`, with why) and when it is back (`true`). */
  onConnection(listener: (connected: boolean, detail?: string) => void): () => void;
  health(): Promise<{ ok: boolean; health: AdminHealth }>;
  mintCode(
    book: CodeBookName,
    request: MintRequest,
  ): Promise<{ code: string; entry: CodeEntry; link: string }>;
  /** Stops the stream and the reconnects; later calls fail. */
  close(): Promise<void>;
}

/** A request the daemon answered with an error, or could not answer. */
export class AdminApiError extends Error {
  override readonly name = "AdminApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ConnectOptions {
  /**
   * Resolve at once, with an empty mirror that the daemon's first snapshot fills in through
   * the usual events and `onResync` (the console draws before the daemon has answered).
   * Without it, resolve once the mirror holds the snapshot, or reject.
   */
  readonly inBackground?: boolean;
  /** Give up on the first snapshot after this long (default 10 s). */
  readonly timeoutMs?: number;
  /** No byte (not even a heartbeat) for this long means the stream is dead (default 45 s). */
  readonly staleAfterMs?: number;
  /** Back-off between reconnects: from `min` doubling to `max` (default 250 ms to 5 s). */
  readonly backoffMs?: { readonly min: number; readonly max: number };
}

export function adminSocketOf(dataDir: string): string {
  return join(dataDir, ADMIN_SOCKET_NAME);
}

/** Connects to the daemon on `socketPath` and resolves once the mirror holds its snapshot. */
export async function connectEngine(
  socketPath: string,
  opts: ConnectOptions = {},
): Promise<RemoteEngine> {
  const client = new AttachedEngine(socketPath, opts);
  if (opts.inBackground) client.openInBackground();
  else await client.open();
  return client;
}

/**
 * Whether a daemon answers on the data dir's admin socket: false when there is
 * no socket, nobody listens (a stale socket after a crash), or nothing answers
 * within `timeoutMs`.
 */
export async function isDaemonRunning(dataDir: string, timeoutMs = 1000): Promise<boolean> {
  const socketPath = adminSocketOf(dataDir);
  try {
    if (!(await stat(socketPath)).isSocket()) return false;
  } catch {
    return false;
  }
  const agent = new Agent({ keepAlive: false });
  try {
    await call(agent, socketPath, "GET", `${PREFIX}/health`, { timeoutMs });
    return true;
  } catch {
    return false;
  } finally {
    agent.destroy();
  }
}

class AttachedEngine implements RemoteEngine {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 8 });
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private readonly resyncListeners = new Set<(snapshot: EngineSnapshot) => void>();
  private readonly connectionListeners = new Set<(connected: boolean, detail?: string) => void>();

  // The mirror.
  private seq = 0;
  private records = new Map<string, VettingRecord>();
  private recordList: VettingRecord[] | undefined;
  private lobbies = new Map<string, LobbyRecord>();
  private lobbyList: LobbyRecord[] | undefined;
  private codes: CodeBook = {};
  private signupCodes: CodeBook = {};
  private joinWave: EngineSnapshot["joinWave"];
  private invites: EngineSnapshot["invites"];
  private remoteSeq = -1;
  /** The newest audit timestamp seen, and the entries at exactly that time (to drop repeats). */
  private lastAuditTs = 0;
  private auditAtLast = new Set<string>();

  // The stream.
  private stream: ClientRequest | undefined;
  private generation = 0;
  private hasSnapshot = false;
  private resyncing = false;
  private held: EngineEvent[] = [];
  private lastByteAt = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private attempt = 0;
  private closed = false;
  connected = false;
  private firstSnapshot:
    { resolve: () => void; reject: (error: Error) => void; timer: NodeJS.Timeout } | undefined;

  constructor(
    readonly socketPath: string,
    private readonly opts: ConnectOptions,
  ) {}

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.failFirst(new Error(`no snapshot from the daemon on ${this.socketPath} in time`)),
        this.opts.timeoutMs ?? 10_000,
      );
      this.firstSnapshot = { resolve, reject, timer };
      this.openStream();
    });
  }

  /** Connects (and reconnects) without waiting: the first snapshot arrives as a resync. */
  openInBackground(): void {
    // Only what happens from now on streams in as audit events; the log itself is read apart.
    this.lastAuditTs = Date.now() / 1000;
    this.openStream();
  }

  snapshot(): EngineSnapshot {
    this.recordList ??= [...this.records.values()];
    this.lobbyList ??= [...this.lobbies.values()];
    return {
      seq: this.seq,
      records: this.recordList,
      lobbies: this.lobbyList,
      codes: this.codes,
      signupCodes: this.signupCodes,
      ...(this.joinWave ? { joinWave: this.joinWave } : {}),
      ...(this.invites ? { invites: this.invites } : {}),
    };
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onResync(listener: (snapshot: EngineSnapshot) => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  onConnection(listener: (connected: boolean, detail?: string) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  async health(): Promise<{ ok: boolean; health: AdminHealth }> {
    const { status, body } = await this.call("GET", `${PREFIX}/health`, { accept: [503] });
    return { ok: status === 200, health: body as AdminHealth };
  }

  async moderate(key: string, action: ModeratorAction, by: string): Promise<CommandResult> {
    const { status, body } = await this.call(
      "POST",
      `${PREFIX}/knocks/${encodeURIComponent(key)}/actions`,
      { body: action, actor: by, accept: [400, 404, 409] },
    );
    if (status === 200) return { ok: true };
    return { ok: false, error: messageOf(body) };
  }

  async openLobby(code: string, requestKey: string): Promise<OpenLobbyResult> {
    const { status, body } = await this.call("POST", `${PREFIX}/lobbies`, {
      body: { code, request_key: requestKey },
      accept: [403, 500, 409],
    });
    if (status === 201 || status === 200) {
      const lobby = (body as { lobby: Extract<OpenLobbyResult, { ok: true }> }).lobby;
      return { ...lobby, ok: true };
    }
    const error = (body as { error?: unknown } | undefined)?.error;
    if (error === "invalid_code") {
      const refusal = (body as { refusal?: unknown }).refusal;
      return {
        ok: false,
        error: "invalid_code",
        refusal: refusal === "used_up" || refusal === "expired" ? refusal : "unknown_code",
      };
    }
    return { ok: false, error: error === "closed" ? "closed" : "create_failed" };
  }

  async moderateLobby(key: string, action: LobbyAction, by: string): Promise<CommandResult> {
    const { status, body } = await this.call(
      "POST",
      `${PREFIX}/lobbies/${encodeURIComponent(key)}/actions`,
      { body: action, actor: by, accept: [400, 404, 409] },
    );
    if (status === 200) return { ok: true };
    return { ok: false, error: messageOf(body) };
  }

  async resumeJoinWave(by: string): Promise<CommandResult> {
    const { status, body } = await this.call("POST", `${PREFIX}/join-wave/resume`, {
      actor: by,
      accept: [409],
    });
    return status === 200 ? { ok: true } : { ok: false, error: messageOf(body) };
  }

  async withdrawInvite(user: string, by: string): Promise<CommandResult> {
    const { status, body } = await this.call(
      "DELETE",
      `${PREFIX}/invites/${encodeURIComponent(user)}`,
      { actor: by, accept: [404, 409] },
    );
    return status === 200 ? { ok: true } : { ok: false, error: messageOf(body) };
  }

  async mintCode(
    book: CodeBookName,
    request: MintRequest,
  ): Promise<{ code: string; entry: CodeEntry; link: string }> {
    const { body } = await this.call("POST", `${PREFIX}/codes/${book}`, {
      actor: request.by,
      body: {
        uses: request.uses,
        label: request.label,
        ...(request.expiresAt === undefined ? {} : { expires_at: request.expiresAt }),
        ...(request.inviter === undefined ? {} : { inviter: request.inviter }),
      },
    });
    return body as { code: string; entry: CodeEntry; link: string };
  }

  async revokeCode(book: CodeBookName, code: string, by: string): Promise<CommandResult> {
    const { status, body } = await this.call(
      "DELETE",
      `${PREFIX}/codes/${book}/${encodeURIComponent(code)}`,
      { actor: by, accept: [404] },
    );
    return status === 200 ? { ok: true } : { ok: false, error: messageOf(body) };
  }

  async editCodes(book: CodeBookName, edit: CodeBookEdit, by: string): Promise<CommandResult> {
    const { status, body } = await this.call("POST", `${PREFIX}/codes/${book}/edits`, {
      body: edit,
      actor: by,
      accept: [400],
    });
    return status === 200 ? { ok: true } : { ok: false, error: messageOf(body) };
  }

  async audit(query: AuditQuery): Promise<readonly AuditRow[]> {
    const params = new URLSearchParams();
    if (query.sinceTs !== undefined) params.set("since", String(query.sinceTs));
    if (query.types?.length) params.set("type", query.types.join(","));
    if (query.user !== undefined) params.set("user", query.user);
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    const search = params.size ? `?${params.toString()}` : "";
    const { body } = await this.call("GET", `${PREFIX}/audit${search}`);
    return (body as { entries: AuditRow[] }).entries;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retry);
    clearInterval(this.watchdog);
    this.stream?.destroy();
    this.stream = undefined;
    this.agent.destroy();
    this.failFirst(new Error("closed"));
  }

  private call(
    method: string,
    path: string,
    opts: { body?: unknown; actor?: string; accept?: number[] } = {},
  ): Promise<{ status: number; body: unknown }> {
    if (this.closed) return Promise.reject(new Error("the attach client is closed"));
    return call(this.agent, this.socketPath, method, path, opts);
  }

  // ---- the event stream ----

  private openStream(): void {
    if (this.closed) return;
    const generation = ++this.generation;
    this.hasSnapshot = false;
    const req = httpRequest({
      socketPath: this.socketPath,
      path: `${PREFIX}/events`,
      method: "GET",
      headers: { accept: "text/event-stream" },
      // The stream lives long; it is not one of the pooled request sockets.
      agent: false,
    });
    this.stream = req;
    const lost = (why: string): void => {
      if (generation === this.generation) this.streamLost(why);
    };
    req.on("error", (error) => lost(error.message));
    req.on("response", (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        res.resume();
        lost(`the event stream answered ${res.statusCode ?? "?"}`);
        return;
      }
      this.lastByteAt = Date.now();
      res.setEncoding("utf8");
      const parser = new SseParser((event) => {
        if (generation === this.generation) this.onSse(event, req);
      });
      res.on("data", (chunk: string) => {
        this.lastByteAt = Date.now();
        try {
          parser.feed(chunk);
        } catch (error) {
          req.destroy(error as Error);
        }
      });
      res.on("end", () => lost("the daemon ended the event stream"));
      res.on("close", () => lost("the event stream closed"));
      res.on("error", (error) => lost(error.message));
    });
    req.end();
    clearInterval(this.watchdog);
    const staleAfter = this.opts.staleAfterMs ?? 45_000;
    this.watchdog = setInterval(
      () => {
        if (this.lastByteAt && Date.now() - this.lastByteAt > staleAfter) {
          req.destroy(new Error(`nothing from the daemon for ${staleAfter} ms`));
        }
      },
      Math.min(5_000, staleAfter),
    );
    this.watchdog.unref();
  }

  private streamLost(why: string): void {
    this.generation++; // whatever the old stream still says is ignored
    this.stream?.destroy();
    this.stream = undefined;
    this.lastByteAt = 0;
    if (this.closed) return;
    if (this.firstSnapshot) {
      this.failFirst(new Error(`no anteroom daemon answers on ${this.socketPath}: ${why}`));
      return;
    }
    if (this.connected) {
      this.connected = false;
      for (const listener of this.connectionListeners) safely(() => listener(false, why));
    }
    const { min, max } = this.opts.backoffMs ?? { min: 250, max: 5_000 };
    const wait = Math.min(max, min * 2 ** Math.min(this.attempt, 16)) * (0.75 + Math.random() / 2);
    this.attempt++;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.openStream(), wait);
    this.retry.unref();
  }

  private failFirst(error: Error): void {
    const first = this.firstSnapshot;
    if (!first) return;
    this.firstSnapshot = undefined;
    clearTimeout(first.timer);
    if (!this.closed) void this.close();
    first.reject(error);
  }

  private onSse(sse: SseEvent, req: ClientRequest): void {
    let data: unknown;
    try {
      data = JSON.parse(sse.data);
    } catch {
      req.destroy(new Error(`the daemon sent an unreadable ${sse.event} event`));
      return;
    }
    switch (sse.event) {
      case "snapshot":
        this.onSnapshot(data as EngineSnapshot);
        return;
      case "record":
      case "lobby":
      case "codes":
      case "joinWave":
      case "invites":
      case "removed":
      case "audit": {
        if (!this.hasSnapshot) return;
        const event = data as EngineEvent;
        if (this.resyncing) this.held.push(event);
        else this.apply(event);
        return;
      }
      default:
        // "overflow": the daemon ends the stream next, and we reconnect.
        return;
    }
  }

  private onSnapshot(snapshot: EngineSnapshot): void {
    this.hasSnapshot = true;
    this.remoteSeq = snapshot.seq;
    this.attempt = 0;
    const first = this.firstSnapshot;
    if (first) {
      this.firstSnapshot = undefined;
      clearTimeout(first.timer);
      this.records = new Map(snapshot.records.map((record) => [record.key, record]));
      this.recordList = undefined;
      this.lobbies = new Map((snapshot.lobbies ?? []).map((lobby) => [lobby.key, lobby]));
      this.lobbyList = undefined;
      this.codes = snapshot.codes;
      this.signupCodes = snapshot.signupCodes;
      this.joinWave = snapshot.joinWave;
      this.invites = snapshot.invites;
      this.lastAuditTs = Date.now() / 1000;
      this.connected = true;
      first.resolve();
      return;
    }
    void this.resync(snapshot, this.generation);
  }

  private async resync(snapshot: EngineSnapshot, generation: number): Promise<void> {
    this.resyncing = true;
    this.held = [];
    const fresh = new Map(snapshot.records.map((record) => [record.key, record]));
    const changed = snapshot.records.filter(
      (record) => JSON.stringify(this.records.get(record.key)) !== JSON.stringify(record),
    );
    const goneRecords = [...this.records.keys()].filter((key) => !fresh.has(key));
    this.records = fresh;
    this.recordList = undefined;
    for (const record of changed) this.emit({ type: "record", record });
    for (const key of goneRecords) this.emit({ type: "removed", kind: "vetting", key });
    // A daemon from before lobbies sends none.
    const lobbies = snapshot.lobbies ?? [];
    const changedLobbies = lobbies.filter(
      (lobby) => JSON.stringify(this.lobbies.get(lobby.key)) !== JSON.stringify(lobby),
    );
    const freshLobbies = new Map(lobbies.map((lobby) => [lobby.key, lobby]));
    const goneLobbies = [...this.lobbies.keys()].filter((key) => !freshLobbies.has(key));
    this.lobbies = freshLobbies;
    this.lobbyList = undefined;
    for (const lobby of changedLobbies) this.emit({ type: "lobby", lobby });
    for (const key of goneLobbies) this.emit({ type: "removed", kind: "lobby", key });
    if (JSON.stringify(this.codes) !== JSON.stringify(snapshot.codes)) {
      this.codes = snapshot.codes;
      this.emit({ type: "codes", book: "invite", codes: snapshot.codes });
    }
    if (JSON.stringify(this.signupCodes) !== JSON.stringify(snapshot.signupCodes)) {
      this.signupCodes = snapshot.signupCodes;
      this.emit({ type: "codes", book: "signup", codes: snapshot.signupCodes });
    }
    // The wave's transitions while away are in the audit log fetched below; the state is the snapshot's.
    this.joinWave = snapshot.joinWave;
    if (snapshot.invites && JSON.stringify(this.invites) !== JSON.stringify(snapshot.invites)) {
      this.emit({ type: "invites", invites: snapshot.invites });
    }
    this.invites = snapshot.invites;
    // What the audit log gained while we were away; live entries that repeat one of these are dropped.
    const fetched = new Set<string>();
    try {
      const missed = await this.audit({ sinceTs: this.lastAuditTs, limit: 1000 });
      for (const entry of missed) {
        const key = JSON.stringify(entry);
        if (entry.ts === this.lastAuditTs && this.auditAtLast.has(key)) continue;
        fetched.add(key);
        this.emitAudit(entry);
      }
    } catch {
      // The log is still on disk and `audit()` can read it; the stream matters more.
    }
    if (generation !== this.generation || this.closed) return;
    const held = this.held;
    this.held = [];
    this.resyncing = false;
    for (const event of held) {
      if (event.type === "audit" && fetched.has(JSON.stringify(event.entry))) {
        this.remoteSeq = Math.max(this.remoteSeq, event.seq);
        continue;
      }
      this.apply(event);
    }
    this.connected = true;
    for (const listener of this.connectionListeners) safely(() => listener(true));
    const mirror = this.snapshot();
    for (const listener of this.resyncListeners) safely(() => listener(mirror));
  }

  /** An event from the daemon's stream: into the mirror, then to the listeners. */
  private apply(event: EngineEvent): void {
    if (event.seq <= this.remoteSeq) return; // the snapshot has it already
    this.remoteSeq = event.seq;
    switch (event.type) {
      case "record":
        this.records.set(event.record.key, event.record);
        this.recordList = undefined;
        this.emit({ type: "record", record: event.record });
        return;
      case "lobby":
        this.lobbies.set(event.lobby.key, event.lobby);
        this.lobbyList = undefined;
        this.emit({ type: "lobby", lobby: event.lobby });
        return;
      case "codes":
        if (event.book === "invite") this.codes = event.codes;
        else this.signupCodes = event.codes;
        this.emit({ type: "codes", book: event.book, codes: event.codes });
        return;
      case "audit":
        this.emitAudit(event.entry);
        return;
      case "joinWave":
        this.joinWave = event.wave;
        this.emit({ type: "joinWave", wave: event.wave, transition: event.transition });
        return;
      case "invites":
        this.invites = event.invites;
        this.emit({ type: "invites", invites: event.invites });
        return;
      case "removed":
        if (event.kind === "vetting") {
          this.records.delete(event.key);
          this.recordList = undefined;
        } else {
          this.lobbies.delete(event.key);
          this.lobbyList = undefined;
        }
        this.emit({ type: "removed", kind: event.kind, key: event.key });
        return;
    }
  }

  private emitAudit(entry: AuditRow): void {
    const key = JSON.stringify(entry);
    if (entry.ts > this.lastAuditTs) {
      this.lastAuditTs = entry.ts;
      this.auditAtLast = new Set();
    }
    if (entry.ts === this.lastAuditTs) this.auditAtLast.add(key);
    this.emit({ type: "audit", entry });
  }

  private emit(event: DistributiveOmit<EngineEvent, "seq">): void {
    const sequenced = { ...event, seq: ++this.seq } as EngineEvent;
    for (const listener of this.listeners) safely(() => listener(sequenced));
  }
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // A listener's bug must not stop the mirror.
  }
}

function messageOf(body: unknown): string {
  if (typeof body === "object" && body !== null && "message" in body) {
    return String((body as { message: unknown }).message);
  }
  return "the daemon refused";
}

/** One JSON request over the socket. Statuses other than 2xx and `accept` become an AdminApiError. */
export function call(
  agent: Agent,
  socketPath: string,
  method: string,
  path: string,
  opts: { body?: unknown; actor?: string; accept?: number[]; timeoutMs?: number } = {},
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    // A Buffer, not a string: Node would send the headers along with a string body in its encoding.
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers: Record<string, string> = { accept: "application/json" };
    if (payload !== undefined) headers["content-type"] = "application/json";
    // Header values travel as bytes; a UTF-8 name goes as its bytes, and the daemon decodes it.
    if (opts.actor !== undefined)
      headers["x-anteroom-actor"] = Buffer.from(opts.actor, "utf8").toString("latin1");
    const req = httpRequest(
      { socketPath, path, method, headers, agent, timeout: opts.timeoutMs ?? 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          if ((status >= 200 && status < 300) || opts.accept?.includes(status)) {
            resolve({ status, body });
            return;
          }
          const error =
            typeof body === "object" && body !== null && "error" in body
              ? String((body as { error: unknown }).error)
              : "http_error";
          reject(
            new AdminApiError(status, error, `${method} ${path}: ${status} ${messageOf(body)}`),
          );
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in time`)));
    req.on("error", reject);
    req.end(payload);
  });
}
