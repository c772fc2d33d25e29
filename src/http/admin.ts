/**
 * The admin API: the engine's `EngineApi` over HTTP, JSON in and out, and its
 * change stream as Server-Sent Events. The routes only translate: every body
 * and query is validated here, every decision is the engine's. Errors are
 * `{error, message}` and never carry a stack. Served on a unix socket by
 * default (see admin-server.ts); docs/admin-api.md documents it.
 */
import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { CodeBookName, EngineApi, EngineSnapshot } from "../../core/api.js";
import type { EngineEvent } from "../../core/engine/events.js";
import type { ModeratorAction } from "../../core/vetting-commands.js";
import {
  ACTIVE_PHASES,
  VETTING_PHASES,
  type VettingPhase,
  type VettingRecord,
} from "../../core/vetting.js";
import { ACTIVE_LOBBY_PHASES, LOBBY_PHASES, type LobbyRecord } from "../../core/lobby.js";
import type { LobbyAction } from "../../core/lobby-commands.js";
import { codeEntrySchema, codeLink } from "../../core/codes.js";
import { encodeSseEvent } from "../control/sse.js";
import { SseConnection } from "./sse-connection.js";
import { registerTokenRoutes } from "./admin-tokens.js";
import type { AuditedTokens } from "../moderation/audited-tokens.js";
import { registerRoleRoutes, type AdminRoles } from "./admin-roles.js";
import { registerLifecycleRoutes } from "./admin-lifecycle.js";
import type { Lifecycle } from "../moderation/lifecycle.js";
import { registerBlocklistRoutes, type BlocklistAdmin } from "./admin-blocklist.js";
import { registerInviteRoutes } from "./admin-invites.js";
import { registerMemberActionRoutes } from "./admin-members.js";
import type { MemberActionService } from "../moderation/member-actions.js";
import { registerLogRoutes } from "./admin-log.js";
import type { RecentLog } from "../recent-log.js";

export const ADMIN_PREFIX = "/admin/v1";
export const ACTOR_HEADER = "x-anteroom-actor";
export const DEFAULT_ACTOR = "admin-api";
/** The largest code-book edit (`POST /codes/:book/edits`); every other body is at most 64 KiB. */
export const BOOK_EDIT_BODY_LIMIT = 8 * 1024 * 1024;

export interface AdminRoutesOptions {
  readonly engine: EngineApi;
  /** `/healthz`'s answer: ready or not, and the body to send. */
  readonly health: () => { ok: boolean; body: Record<string, unknown> };
  /** The base of the links handed out with minted codes (HS_PUBLIC). */
  readonly publicUrl: string;
  /** A comment line on every event stream this often (default 15 s). */
  readonly heartbeatMs?: number;
  /**
   * Bytes an event stream may have waiting for a slow client, beyond the
   * snapshot itself (default 4 MiB); past that the client gets `event: overflow`
   * and is disconnected, to reconnect and start again from a snapshot.
   */
  readonly maxBufferedBytes?: number;
  /** Homeserver registration tokens (admin-tokens.ts); without it those routes answer 503. */
  readonly tokens?: AuditedTokens;
  /** Roles across the space (admin-roles.ts); without it those routes answer 503. */
  readonly roles?: AdminRoles;
  /** User-lifecycle hooks (admin-lifecycle.ts); without it that route answers 503. */
  readonly lifecycle?: Lifecycle;
  /** The blocklist (admin-blocklist.ts); without it those routes answer 503. */
  readonly blocklist?: BlocklistAdmin;
  /** Kick, ban and unban (admin-members.ts); without it that route answers 503. */
  readonly memberActions?: MemberActionService;
  /** The daemon's recent log lines (admin-log.ts); without it those routes answer 503. */
  readonly recentLog?: RecentLog;
}

/** An answer other than success: the status and the `{error, message}` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const PHASES = VETTING_PHASES;
const ACTIVE: readonly VettingPhase[] = [...ACTIVE_PHASES];

// C0 and C1 control characters, DEL, and the bidi overrides that reorder a terminal line.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const noControl = (what: string) =>
  z.string().refine((text) => !CONTROL.test(text), `${what} must not contain control characters`);

const challengeSchema = z.strictObject({
  topic: noControl("topic").pipe(z.string().min(1).max(200)),
  keyword: noControl("keyword").pipe(z.string().min(1).max(100)),
});

/**
 * A moderator's action, as JSON. Types are checked here (400); whether the
 * action fits the record, and ranges such as "tries 1–20", are the engine's
 * call (409 with its reason), so the two cannot drift apart.
 */
export const actionSchema = z.discriminatedUnion("action", [
  z.strictObject({ action: z.literal("approve") }),
  z.strictObject({ action: z.literal("reject"), reason: z.string().max(1000).optional() }),
  z.strictObject({ action: z.literal("addTries"), tries: z.number().int() }),
  z.strictObject({ action: z.literal("extend"), seconds: z.number().int() }),
  z.strictObject({ action: z.literal("say"), text: z.string().min(1).max(10_000) }),
  z.strictObject({ action: z.literal("repost"), challenge: challengeSchema.optional() }),
  z.strictObject({ action: z.literal("close") }),
  z.strictObject({ action: z.literal("vet"), challenge: challengeSchema.optional() }),
  z.strictObject({ action: z.literal("reinvite") }),
]);

export const mintSchema = z.strictObject({
  uses: z.number().int().min(1).max(1_000_000),
  label: noControl("label").pipe(z.string().max(200)).default(""),
  /** Unix seconds. */
  expires_at: z.number().positive().optional(),
  inviter: z
    .string()
    .max(255)
    .regex(/^@[^:\s]+:\S+$/, "a Matrix user id such as @alice:example.org")
    .optional(),
});

/** A moderator's edit of a code book: entries set (added or changed) and codes removed. */
const bookEditSchema = z.strictObject({
  set: z.record(noControl("code").pipe(z.string().min(1).max(200)), codeEntrySchema),
  remove: z.array(z.string().min(1).max(200)).max(100_000),
});

/** A moderator's action on a lobby; ranges are the engine's call, as for knocks. */
export const lobbyActionSchema = z.discriminatedUnion("action", [
  z.strictObject({ action: z.literal("close") }),
  z.strictObject({ action: z.literal("approve") }),
  z.strictObject({
    action: z.literal("addTries"),
    tries: z.number().int(),
    user: z.string().max(255).optional(),
  }),
  z.strictObject({ action: z.literal("extend"), seconds: z.number().int() }),
  z.strictObject({ action: z.literal("say"), text: z.string().min(1).max(10_000) }),
]);

const openLobbySchema = z.strictObject({
  code: z.string().min(1).max(200),
  /** Makes a retried request idempotent; a fresh one is made when absent. */
  request_key: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, "1–100 letters, digits, . _ -")
    .optional(),
});

const bookSchema = z.enum(["invite", "signup"]);

/** `a,b` or `?x=a&x=b`: a list either way. */
const listParam = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value) =>
    value === undefined
      ? undefined
      : (Array.isArray(value) ? value : [value])
          .flatMap((part) => part.split(","))
          .map((part) => part.trim())
          .filter(Boolean),
  );

const knocksQuery = z.object({
  phase: listParam.pipe(z.array(z.enum([...PHASES, "active"])).optional()),
  user: z.string().max(255).optional(),
});

const lobbiesQuery = z.object({
  phase: listParam.pipe(z.array(z.enum([...LOBBY_PHASES, "active"])).optional()),
});

const auditQuery = z.object({
  since: z.coerce.number().nonnegative().optional(),
  type: listParam,
  user: z.string().max(255).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

/** Parses with `schema`, or answers 400 naming every problem. */
export function parseOr400<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join(".") : what}: ${issue.message}`);
  throw new ApiError(400, "bad_request", problems.join("; "));
}

/**
 * The acting moderator's name from `X-Anteroom-Actor` (default "admin-api"):
 * at most 255 characters, no control characters. Header bytes arrive as
 * Latin-1; UTF-8 names (`Zoë`) are decoded back.
 */
export function parseActor(header: string | string[] | undefined): string {
  if (header === undefined) return DEFAULT_ACTOR;
  if (Array.isArray(header)) throw new ApiError(400, "bad_actor", "give X-Anteroom-Actor once");
  // Only a string of byte values can be bytes re-read as UTF-8; anything else is taken as it is.
  const utf8 = /[\u0100-\uffff]/.test(header)
    ? header
    : Buffer.from(header, "latin1").toString("utf8");
  const name = (utf8.includes("\ufffd") ? header : utf8).trim();
  if (!name) throw new ApiError(400, "bad_actor", "X-Anteroom-Actor is empty");
  if (name.length > 255)
    throw new ApiError(400, "bad_actor", "X-Anteroom-Actor is over 255 characters");
  if (CONTROL.test(name))
    throw new ApiError(400, "bad_actor", "X-Anteroom-Actor must not contain control characters");
  return name;
}

/** Answers every error as `{error, message}`: 400 for what the client sent wrong, never a stack. */
export function installAdminErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ApiError) {
      return reply.code(error.status).send({ error: error.code, message: error.message });
    }
    const fastifyError = error as { code?: string; statusCode?: number; message?: string };
    const code = fastifyError.code ?? "";
    const status = fastifyError.statusCode ?? 500;
    if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return reply
        .code(415)
        .send({ error: "unsupported_media_type", message: "send the body as application/json" });
    }
    if (code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return reply.code(413).send({ error: "too_large", message: "the body is too large" });
    }
    if (code === "FST_ERR_CTP_EMPTY_JSON_BODY" || code === "FST_ERR_CTP_INVALID_JSON_BODY") {
      return reply.code(400).send({ error: "bad_json", message: "the body is not valid JSON" });
    }
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ error: "bad_request", message: fastifyError.message ?? "" });
    }
    request.log.error({ err: error, url: request.url }, "admin API request failed");
    return reply
      .code(500)
      .send({ error: "internal", message: "the request failed; the daemon's log says why" });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: "not_found",
      message: `no route ${request.method} ${request.url.split("?")[0]}`,
    }),
  );
}

/** Registers every `/admin/v1/…` route on `app`. */
export function registerAdminRoutes(app: FastifyInstance, opts: AdminRoutesOptions): void {
  const { engine } = opts;
  const streams = new Set<EventStream>();
  // A stream never ends by itself: end them all before the server waits for its connections.
  app.addHook("preClose", async () => {
    for (const stream of [...streams]) stream.close();
  });

  const findRecord = (key: string): VettingRecord | undefined =>
    engine.snapshot().records.find((record) => record.key === key);

  registerTokenRoutes(app, opts.tokens);
  registerRoleRoutes(app, opts.roles);
  registerLifecycleRoutes(app, opts.lifecycle);
  registerBlocklistRoutes(app, opts.blocklist);
  registerInviteRoutes(app, engine);
  registerMemberActionRoutes(app, opts.memberActions);
  registerLogRoutes(app, opts);
  app.get(`${ADMIN_PREFIX}/snapshot`, async () => engine.snapshot());

  app.get(`${ADMIN_PREFIX}/events`, (request, reply) => {
    const stream = new EventStream(request, reply, engine, opts, () => streams.delete(stream));
    streams.add(stream);
    stream.start();
  });

  app.get(`${ADMIN_PREFIX}/knocks`, async (request) => {
    const query = parseOr400(knocksQuery, request.query, "query");
    const phases = query.phase?.flatMap((phase): readonly VettingPhase[] =>
      phase === "active" ? ACTIVE : [phase],
    );
    const records = engine
      .snapshot()
      .records.filter(
        (record) =>
          (phases === undefined || phases.includes(record.phase)) &&
          (query.user === undefined || record.user === query.user),
      );
    return { records };
  });

  app.get<{ Params: { key: string } }>(`${ADMIN_PREFIX}/knocks/:key`, async (request) => {
    const record = findRecord(request.params.key);
    if (!record) throw new ApiError(404, "not_found", `no knock ${request.params.key}`);
    return { record };
  });

  app.post<{ Params: { key: string } }>(`${ADMIN_PREFIX}/knocks/:key/actions`, async (request) => {
    const by = parseActor(request.headers[ACTOR_HEADER]);
    const action = parseOr400(actionSchema, request.body, "body") as ModeratorAction;
    const { key } = request.params;
    if (!findRecord(key)) throw new ApiError(404, "not_found", `no knock ${key}`);
    const result = await engine.moderate(key, action, by);
    if (!result.ok) throw new ApiError(409, "refused", result.error);
    return { ok: true };
  });

  registerLobbyRoutes(app, engine);

  app.get(`${ADMIN_PREFIX}/join-wave`, async () => ({ join_wave: engine.snapshot().joinWave }));

  app.post(`${ADMIN_PREFIX}/join-wave/resume`, async (request) => {
    const by = parseActor(request.headers[ACTOR_HEADER]);
    const result = await engine.resumeJoinWave(by);
    if (!result.ok) throw new ApiError(409, "refused", result.error);
    return { ok: true, join_wave: engine.snapshot().joinWave };
  });

  app.get<{ Params: { book: string } }>(`${ADMIN_PREFIX}/codes/:book`, async (request) => {
    const book = bookOf(request.params.book);
    const snapshot = engine.snapshot();
    return { book, codes: book === "invite" ? snapshot.codes : snapshot.signupCodes };
  });

  app.post<{ Params: { book: string } }>(`${ADMIN_PREFIX}/codes/:book`, async (request, reply) => {
    const book = bookOf(request.params.book);
    const by = parseActor(request.headers[ACTOR_HEADER]);
    const body = parseOr400(mintSchema, request.body, "body");
    if (body.expires_at !== undefined && body.expires_at <= Date.now() / 1000) {
      throw new ApiError(400, "bad_request", "expires_at: is in the past (unix seconds)");
    }
    const { code, entry } = await engine.mintCode(book, {
      uses: body.uses,
      label: body.label,
      by,
      ...(body.expires_at === undefined ? {} : { expiresAt: body.expires_at }),
      ...(body.inviter === undefined ? {} : { inviter: body.inviter }),
    });
    return reply.code(201).send({ code, entry, link: codeLink(opts.publicUrl, book, code) });
  });

  app.delete<{ Params: { book: string; code: string } }>(
    `${ADMIN_PREFIX}/codes/:book/:code`,
    async (request) => {
      const book = bookOf(request.params.book);
      const by = parseActor(request.headers[ACTOR_HEADER]);
      // Codes are matched without regard to case when redeemed; so here.
      const snapshot = engine.snapshot();
      const codes = book === "invite" ? snapshot.codes : snapshot.signupCodes;
      const wanted = request.params.code;
      const code =
        wanted in codes
          ? wanted
          : Object.keys(codes).find((c) => c.toLowerCase() === wanted.toLowerCase());
      if (code === undefined) throw new ApiError(404, "not_found", `no ${book} code ${wanted}`);
      const result = await engine.revokeCode(book, code, by);
      if (!result.ok) throw new ApiError(404, "not_found", result.error);
      return { ok: true, code };
    },
  );

  app.post<{ Params: { book: string } }>(
    `${ADMIN_PREFIX}/codes/:book/edits`,
    // A book edited in $EDITOR may add thousands of codes at once: more room than other bodies.
    { bodyLimit: BOOK_EDIT_BODY_LIMIT },
    async (request) => {
      const book = bookOf(request.params.book);
      const by = parseActor(request.headers[ACTOR_HEADER]);
      const edit = parseOr400(bookEditSchema, request.body, "body");
      const result = await engine.editCodes(book, edit, by);
      if (!result.ok) throw new ApiError(400, "bad_request", result.error);
      return { ok: true };
    },
  );

  app.get(`${ADMIN_PREFIX}/audit`, async (request) => {
    const query = parseOr400(auditQuery, request.query, "query");
    const entries = await engine.audit({
      limit: query.limit,
      ...(query.since === undefined ? {} : { sinceTs: query.since }),
      ...(query.type === undefined ? {} : { types: query.type }),
      ...(query.user === undefined ? {} : { user: query.user }),
    });
    return { entries };
  });

  app.get(`${ADMIN_PREFIX}/health`, async (_request, reply) => {
    const { ok, body } = opts.health();
    const snapshot = engine.snapshot();
    const byPhase: Record<string, number> = {};
    for (const phase of PHASES) byPhase[phase] = 0;
    for (const record of snapshot.records) byPhase[record.phase] = (byPhase[record.phase] ?? 0) + 1;
    const lobbiesByPhase: Record<string, number> = {};
    for (const phase of LOBBY_PHASES) lobbiesByPhase[phase] = 0;
    for (const lobby of snapshot.lobbies)
      lobbiesByPhase[lobby.phase] = (lobbiesByPhase[lobby.phase] ?? 0) + 1;
    return reply.code(ok ? 200 : 503).send({
      ...body,
      records_by_phase: byPhase,
      lobbies_by_phase: lobbiesByPhase,
      join_wave: snapshot.joinWave,
      pending_invites: snapshot.invites?.length ?? 0,
      seq: snapshot.seq,
      pid: process.pid,
      // The console builds code links (copy, QR) on it when attached.
      public_url: opts.publicUrl,
    });
  });
}

/** `/admin/v1/lobbies…`: list, one, open one for a code, moderator actions. */
function registerLobbyRoutes(app: FastifyInstance, engine: EngineApi): void {
  const findLobby = (key: string): LobbyRecord | undefined =>
    engine.snapshot().lobbies.find((lobby) => lobby.key === key);
  const ACTIVE_LOBBY: readonly string[] = [...ACTIVE_LOBBY_PHASES];

  app.get(`${ADMIN_PREFIX}/lobbies`, async (request) => {
    const query = parseOr400(lobbiesQuery, request.query, "query");
    const phases = query.phase?.flatMap((phase) => (phase === "active" ? ACTIVE_LOBBY : [phase]));
    const lobbies = engine
      .snapshot()
      .lobbies.filter((lobby) => phases === undefined || phases.includes(lobby.phase));
    return { lobbies };
  });

  app.get<{ Params: { key: string } }>(`${ADMIN_PREFIX}/lobbies/:key`, async (request) => {
    const lobby = findLobby(request.params.key);
    if (!lobby) throw new ApiError(404, "not_found", `no lobby ${request.params.key}`);
    return { lobby };
  });

  app.post(`${ADMIN_PREFIX}/lobbies`, async (request, reply) => {
    const body = parseOr400(openLobbySchema, request.body, "body");
    const result = await engine.openLobby(body.code, body.request_key ?? randomUUID());
    if (result.ok) {
      const { ok: _ok, ...lobby } = result;
      return reply.code(201).send({ lobby });
    }
    if (result.error === "invalid_code") {
      return reply.code(403).send({
        error: "invalid_code",
        refusal: result.refusal,
        message: `the code cannot be used: ${result.refusal.replace("_", " ")}`,
      });
    }
    if (result.error === "closed")
      throw new ApiError(409, "closed", "that request's lobby was closed before its room was made");
    throw new ApiError(
      500,
      "create_failed",
      "the lobby room could not be made; the use was given back",
    );
  });

  app.post<{ Params: { key: string } }>(`${ADMIN_PREFIX}/lobbies/:key/actions`, async (request) => {
    const by = parseActor(request.headers[ACTOR_HEADER]);
    const action = parseOr400(lobbyActionSchema, request.body, "body") as LobbyAction;
    const { key } = request.params;
    if (!findLobby(key)) throw new ApiError(404, "not_found", `no lobby ${key}`);
    const result = await engine.moderateLobby(key, action, by);
    if (!result.ok) throw new ApiError(409, "refused", result.error);
    return { ok: true };
  });
}

function bookOf(name: string): CodeBookName {
  const parsed = bookSchema.safeParse(name);
  if (!parsed.success)
    throw new ApiError(404, "not_found", `no code book ${name}; use invite or signup`);
  return parsed.data;
}

/**
 * One client's event stream: subscribe, then snapshot, then every newer event.
 * Events that arrive while the snapshot is taken are buffered and the ones it
 * already includes dropped, so nothing is lost or doubled.
 */
class EventStream {
  private live = false;
  private readonly early: EngineEvent[] = [];
  private readonly connection: SseConnection;

  constructor(
    private readonly request: FastifyRequest,
    reply: FastifyReply,
    private readonly engine: EngineApi,
    opts: AdminRoutesOptions,
    private readonly onClosed: () => void,
  ) {
    this.connection = new SseConnection(request, reply, opts, {
      message: "this client fell too far behind; reconnect to start again from a snapshot",
      log: "an admin event stream client is too slow; disconnecting it",
    });
  }

  start(): void {
    const unsubscribe = this.engine.subscribe((event) => this.onEvent(event));
    this.connection.open(() => {
      unsubscribe();
      this.early.length = 0;
      this.onClosed();
    });
    let snapshot: EngineSnapshot;
    try {
      snapshot = this.engine.snapshot();
    } catch (error) {
      this.request.log.error({ err: error }, "could not take a snapshot for an event stream");
      this.close();
      return;
    }
    this.connection.write(
      encodeSseEvent({ event: "snapshot", id: snapshot.seq, data: JSON.stringify(snapshot) }),
    );
    this.connection.arm();
    for (const event of this.early.splice(0)) if (event.seq > snapshot.seq) this.send(event);
    this.live = true;
  }

  /** Ends the stream from our side (the server is closing). */
  close(): void {
    this.connection.close();
  }

  private onEvent(event: EngineEvent): void {
    if (this.connection.isClosed) return;
    if (!this.live) {
      this.early.push(event);
      return;
    }
    this.send(event);
  }

  private send(event: EngineEvent): void {
    this.connection.send(
      encodeSseEvent({ event: event.type, id: event.seq, data: JSON.stringify(event) }),
    );
  }
}
