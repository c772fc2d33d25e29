// A small raw-fetch Matrix client for simulated newcomers (and for driving rooms in tests).
// Deliberately not matrix-js-sdk: the tests should see the protocol as a plain client does.

/* eslint-disable @typescript-eslint/no-explicit-any -- Matrix JSON is untyped by nature here */

import { randomBytes } from "node:crypto";
import type { TestUser } from "./test-homeserver.js";
import { errorMessage, sleep } from "./wait.js";

const DEFAULT_TIMEOUT_MS = 20_000;
/** Longest single /sync long-poll inside the wait loops. */
const SYNC_SLICE_MS = 10_000;

/** A non-2xx answer from the homeserver. */
export class MatrixHttpError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly errcode: string | undefined,
    readonly body: any,
    readonly retryAfterMs: number | undefined,
    who: string,
  ) {
    super(
      `${method} ${path} → ${status} ${errcode ?? "(no errcode)"}: ${body?.error ?? JSON.stringify(body).slice(0, 200)} (as ${who})`,
    );
    this.name = "MatrixHttpError";
  }
}

export interface MatrixUserClientOptions {
  /** Wait out 429 M_LIMIT_EXCEEDED (honouring retry_after_ms) and retry, up to 60 s in all. Default true. */
  retryRateLimited?: boolean;
  /** Aborting it ends every request and wait of this client (a simulated newcomer told to stop). */
  signal?: AbortSignal;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  /** Fetch timeout (default 30 s). */
  timeoutMs?: number;
  /** Overrides the client's retryRateLimited for this request. */
  retryRateLimited?: boolean;
}

interface LeaveInfo {
  timeline: any[];
  state: any[];
}

export class MatrixUserClient {
  readonly userId: string;
  private readonly baseUrl: string;
  private readonly retryRateLimited: boolean;
  private readonly signal: AbortSignal | undefined;
  private since: string | undefined;
  private syncChain: Promise<unknown> = Promise.resolve();
  private txnCounter = 0;
  private readonly txnPrefix = randomBytes(4).toString("hex");
  private readonly seenEventIds = new Set<string>();
  private readonly timelines = new Map<string, any[]>();
  private readonly invites = new Map<string, any[]>();
  private readonly knocks = new Map<string, any[]>();
  private readonly leaves = new Map<string, LeaveInfo>();

  constructor(
    hsUrl: string,
    readonly user: TestUser,
    opts: MatrixUserClientOptions = {},
  ) {
    this.baseUrl = hsUrl.replace(/\/+$/, "");
    this.userId = user.userId;
    this.retryRateLimited = opts.retryRateLimited ?? true;
    this.signal = opts.signal;
  }

  // -------------------------------------------------------------------------------------------
  // Raw requests

  /** A client-server API request; `path` is relative to /_matrix/client/v3 unless it starts with /_. */
  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    opts: RequestOptions = {},
  ): Promise<T> {
    const fullPath = path.startsWith("/_") ? path : `/_matrix/client/v3${path}`;
    const url = new URL(this.baseUrl + fullPath);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const retry = opts.retryRateLimited ?? this.retryRateLimited;
    const retryDeadline = Date.now() + 60_000;
    for (;;) {
      this.signal?.throwIfAborted();
      const headers: Record<string, string> = { authorization: `Bearer ${this.user.accessToken}` };
      if (body !== undefined) headers["content-type"] = "application/json";
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: this.withAbort(AbortSignal.timeout(opts.timeoutMs ?? 30_000)),
        });
      } catch (err) {
        this.signal?.throwIfAborted();
        throw new Error(`${method} ${fullPath} failed (as ${this.userId}): ${errorMessage(err)}`, {
          cause: err,
        });
      }
      const text = await res.text();
      let json: any;
      try {
        json = text ? JSON.parse(text) : {};
      } catch {
        json = { raw: text.slice(0, 500) };
      }
      if (res.ok) return json as T;
      const retryAfterMs =
        typeof json?.retry_after_ms === "number"
          ? json.retry_after_ms
          : res.headers.get("retry-after")
            ? Number(res.headers.get("retry-after")) * 1000
            : undefined;
      if (res.status === 429 && retry && Date.now() < retryDeadline) {
        await sleep(
          Math.min(Math.max(retryAfterMs ?? 1000, 50), Math.max(retryDeadline - Date.now(), 50)),
        );
        continue;
      }
      throw new MatrixHttpError(
        method,
        fullPath,
        res.status,
        json?.errcode,
        json,
        retryAfterMs,
        this.userId,
      );
    }
  }

  private withAbort(timeout: AbortSignal): AbortSignal {
    return this.signal ? AbortSignal.any([this.signal, timeout]) : timeout;
  }

  private nextTxnId(): string {
    return `${this.txnPrefix}-${Date.now()}-${this.txnCounter++}`;
  }

  // -------------------------------------------------------------------------------------------
  // Actions

  async setDisplayName(name: string): Promise<void> {
    await this.request("PUT", `/profile/${enc(this.userId)}/displayname`, { displayname: name });
  }

  async createRoom(body: object): Promise<string> {
    const res = await this.request<{ room_id: string }>("POST", "/createRoom", body);
    return res.room_id;
  }

  async knock(roomIdOrAlias: string, reason?: string): Promise<void> {
    await this.request(
      "POST",
      `/knock/${enc(roomIdOrAlias)}`,
      reason === undefined ? {} : { reason },
    );
  }

  async join(roomIdOrAlias: string): Promise<string> {
    const res = await this.request<{ room_id: string }>("POST", `/join/${enc(roomIdOrAlias)}`, {});
    return res.room_id;
  }

  async leave(roomId: string, reason?: string): Promise<void> {
    await this.request(
      "POST",
      `/rooms/${enc(roomId)}/leave`,
      reason === undefined ? {} : { reason },
    );
  }

  async invite(roomId: string, userId: string, reason?: string): Promise<void> {
    await this.request("POST", `/rooms/${enc(roomId)}/invite`, {
      user_id: userId,
      ...(reason === undefined ? {} : { reason }),
    });
  }

  async kick(roomId: string, userId: string, reason?: string): Promise<void> {
    await this.request("POST", `/rooms/${enc(roomId)}/kick`, {
      user_id: userId,
      ...(reason === undefined ? {} : { reason }),
    });
  }

  async ban(roomId: string, userId: string, reason?: string): Promise<void> {
    await this.request("POST", `/rooms/${enc(roomId)}/ban`, {
      user_id: userId,
      ...(reason === undefined ? {} : { reason }),
    });
  }

  async sendText(roomId: string, body: string): Promise<string> {
    const res = await this.request<{ event_id: string }>(
      "PUT",
      `/rooms/${enc(roomId)}/send/m.room.message/${enc(this.nextTxnId())}`,
      { msgtype: "m.text", body },
    );
    return res.event_id;
  }

  async sendState(roomId: string, type: string, stateKey: string, content: object): Promise<void> {
    await this.request("PUT", `/rooms/${enc(roomId)}/state/${enc(type)}/${enc(stateKey)}`, content);
  }

  /** The content of a state event, or undefined when there is none (404). */
  async getState(roomId: string, type: string, stateKey = ""): Promise<any | undefined> {
    try {
      return await this.request("GET", `/rooms/${enc(roomId)}/state/${enc(type)}/${enc(stateKey)}`);
    } catch (err) {
      if (err instanceof MatrixHttpError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** `userId`'s membership (default: ours) from the room state; needs us to be (or have been) in the room. */
  async membership(roomId: string, userId: string = this.userId): Promise<string | undefined> {
    const content = await this.getState(roomId, "m.room.member", userId);
    return content?.membership;
  }

  // -------------------------------------------------------------------------------------------
  // Sync

  /**
   * One incremental /sync (the first call is an initial sync) with our own since token. Records
   * timeline events per room, invites, knocks and leaves. Calls are serialized.
   */
  sync(timeoutMs = 0): Promise<any> {
    const run = this.syncChain.then(() => this.syncOnce(timeoutMs));
    this.syncChain = run.catch(() => undefined);
    return run;
  }

  private async syncOnce(timeoutMs: number): Promise<any> {
    const filter = {
      presence: { not_types: ["*"] },
      account_data: { not_types: ["*"] },
      room: {
        include_leave: true,
        timeline: { limit: 200 },
        ephemeral: { not_types: ["*"] },
        account_data: { not_types: ["*"] },
      },
    };
    const res = await this.request("GET", "/sync", undefined, {
      query: {
        since: this.since,
        timeout: Math.max(0, Math.round(timeoutMs)),
        filter: JSON.stringify(filter),
      },
      timeoutMs: timeoutMs + 30_000,
    });
    this.since = res.next_batch;
    const rooms = res.rooms ?? {};
    for (const [roomId, room] of Object.entries<any>(rooms.join ?? {})) {
      this.recordTimeline(roomId, room?.timeline?.events);
    }
    for (const [roomId, room] of Object.entries<any>(rooms.invite ?? {})) {
      this.invites.set(roomId, room?.invite_state?.events ?? []);
    }
    for (const [roomId, room] of Object.entries<any>(rooms.knock ?? {})) {
      this.knocks.set(roomId, room?.knock_state?.events ?? []);
    }
    for (const [roomId, room] of Object.entries<any>(rooms.leave ?? {})) {
      const timeline = room?.timeline?.events ?? [];
      this.recordTimeline(roomId, timeline);
      this.leaves.set(roomId, { timeline, state: room?.state?.events ?? [] });
    }
    return res;
  }

  private recordTimeline(roomId: string, events: any[] | undefined): void {
    if (!events?.length) return;
    let list = this.timelines.get(roomId);
    if (!list) this.timelines.set(roomId, (list = []));
    for (const ev of events) {
      if (typeof ev?.event_id === "string") {
        if (this.seenEventIds.has(ev.event_id)) continue;
        this.seenEventIds.add(ev.event_id);
      }
      list.push(ev);
    }
  }

  /** All timeline events seen so far in a room (joined or left), oldest first. */
  timeline(roomId: string): any[] {
    return [...(this.timelines.get(roomId) ?? [])];
  }

  /** m.room.message events seen so far in that room. */
  messages(roomId: string): any[] {
    return this.timeline(roomId).filter((ev) => ev.type === "m.room.message");
  }

  /** invite_state events of every invite seen so far. */
  seenInvites(): Map<string, any[]> {
    return new Map(this.invites);
  }

  /** knock_state events of every room we were seen knocking on. */
  seenKnocks(): Map<string, any[]> {
    return new Map(this.knocks);
  }

  /**
   * Syncs until `check` returns something (checked first against what was already seen).
   * Connection errors and 5xx (a homeserver restarting) are retried until the deadline.
   */
  async syncUntil<T>(
    check: () => T | undefined,
    what: string,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      this.signal?.throwIfAborted();
      const found = check();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        const detail =
          lastError === undefined ? "" : ` (last sync error: ${errorMessage(lastError)})`;
        throw new Error(
          `timed out waiting for ${what} (as ${this.userId}) after ${timeoutMs} ms${detail}`,
        );
      }
      try {
        await this.sync(Math.min(left, SYNC_SLICE_MS));
      } catch (err) {
        if (err instanceof MatrixHttpError && err.status < 500) throw err;
        lastError = err;
        await sleep(Math.min(200, Math.max(deadline - Date.now(), 0)));
      }
    }
  }

  async waitForInvite(roomId: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    await this.syncUntil(
      () => (this.invites.has(roomId) ? true : undefined),
      `an invite to ${roomId}`,
      timeoutMs,
    );
  }

  /** The first invite (seen before or during the wait) whose room and invite_state match. */
  waitForAnyInvite(
    predicate: (roomId: string, inviteState: any[]) => boolean,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<string> {
    return this.syncUntil(
      () => {
        for (const [roomId, state] of this.invites) if (predicate(roomId, state)) return roomId;
        return undefined;
      },
      "a matching invite",
      timeoutMs,
    );
  }

  /** The first timeline event in the room (seen before or during the wait) that matches. */
  waitForEvent(
    roomId: string,
    predicate: (ev: any) => boolean,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    what?: string,
  ): Promise<any> {
    return this.syncUntil(
      () => this.timelines.get(roomId)?.find(predicate),
      what ?? `a matching event in ${roomId}`,
      timeoutMs,
    );
  }

  waitForMessage(
    roomId: string,
    predicate: (body: string, ev: any) => boolean,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<any> {
    return this.waitForEvent(
      roomId,
      (ev) =>
        ev.type === "m.room.message" &&
        typeof ev.content?.body === "string" &&
        predicate(ev.content.body, ev),
      timeoutMs,
      `a matching message in ${roomId}`,
    );
  }

  /**
   * Until the room shows up in rooms.leave for us (left, kicked, banned, knock denied). Returns our
   * leave/ban member event when the sync carried it, else undefined.
   */
  async waitForLeave(roomId: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<any> {
    const info = await this.syncUntil(
      () => this.leaves.get(roomId),
      `leaving ${roomId}`,
      timeoutMs,
    );
    const isOurs = (ev: any): boolean =>
      ev?.type === "m.room.member" && ev.state_key === this.userId;
    return [...info.timeline].reverse().find(isOurs) ?? [...info.state].reverse().find(isOurs);
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
