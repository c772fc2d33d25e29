/**
 * The admin API: the engine's `EngineApi` over HTTP, JSON in and out, and its
 * change stream as Server-Sent Events. The routes only translate: every body
 * and query is validated here, every decision is the engine's. Errors are
 * `{error, message}` and never carry a stack. Served on a unix socket by
 * default (see server.ts); docs/admin-api.md documents it.
 */
import type { FastifyInstance } from "fastify";
import * as z from "zod";
import type { EngineApi } from "../../../core/api.js";
import type { ModeratorAction } from "../../../core/vetting/commands.js";
import {
  ACTIVE_PHASES,
  VETTING_PHASES,
  type VettingPhase,
  type VettingRecord,
} from "../../../core/vetting/record.js";
import { LOBBY_PHASES } from "../../../core/lobby/record.js";
import {
  ACTOR_HEADER,
  ADMIN_PREFIX,
  ApiError,
  listParam,
  noControl,
  parseActor,
  parseOr400,
} from "./common.js";
import { registerTokenRoutes } from "./tokens.js";
import type { AuditedTokens } from "../../moderation/audited-tokens.js";
import { registerRoleRoutes, type AdminRoles } from "./roles.js";
import { registerLifecycleRoutes } from "./lifecycle.js";
import type { Lifecycle } from "../../moderation/lifecycle.js";
import { registerBlocklistRoutes, type BlocklistAdmin } from "./blocklist.js";
import { registerInviteRoutes } from "./invites.js";
import { registerIdentityRoutes } from "./identities.js";
import type { IdentityApproval } from "../../matrix/crypto/identity-approval.js";
import { registerMemberActionRoutes } from "./members.js";
import { registerEndorsementRoutes } from "./endorsements.js";
import type { MemberActionService } from "../../moderation/member-actions.js";
import { registerLogRoutes } from "./log.js";
import { registerCodeRoutes } from "./codes.js";
import { EventStream } from "./events.js";
import { registerLobbyRoutes } from "./lobbies.js";
import type { RecentLog } from "../../recent-log.js";
import { StreamSlots } from "./stream-slots.js";

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
  /** Homeserver registration tokens (tokens.ts); without it those routes answer 503. */
  readonly tokens?: AuditedTokens;
  /** Roles across the space (roles.ts); without it those routes answer 503. */
  readonly roles?: AdminRoles;
  /** User-lifecycle hooks (lifecycle.ts); without it that route answers 503. */
  readonly lifecycle?: Lifecycle;
  /** The blocklist (blocklist.ts); without it those routes answer 503. */
  readonly blocklist?: BlocklistAdmin;
  /** Kick, ban and unban (members.ts); without it that route answers 503. */
  readonly memberActions?: MemberActionService;
  /** endorsements.jsonl (endorsements.ts); without it the tree answers 503. */
  readonly endorsementsPath?: string;
  /** Accepting changed cross-signing identities (identities.ts); without it 503. */
  readonly identities?: IdentityApproval;
  /** The daemon's recent log lines (log.ts); without it those routes answer 503. */
  readonly recentLog?: RecentLog;
  /** Open event streams, counted across every listener that shares it (default: this app's own). */
  readonly streamSlots?: StreamSlots;
}

const PHASES = VETTING_PHASES;
const ACTIVE: readonly VettingPhase[] = [...ACTIVE_PHASES];

const challengeSchema = z.strictObject({
  topic: noControl("topic").pipe(z.string().min(1).max(200)),
  keyword: noControl("keyword").pipe(z.string().min(1).max(100)),
});

/**
 * A moderator's action, as JSON. Types are checked here (400); whether the
 * action fits the record, and ranges such as "tries 1–20", are the engine's
 * call (409 with its reason), so the two cannot drift apart.
 */
const actionSchema = z.discriminatedUnion("action", [
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

const knocksQuery = z.object({
  phase: listParam.pipe(z.array(z.enum([...PHASES, "active"])).optional()),
  user: z.string().max(255).optional(),
});

const auditQuery = z.object({
  since: z.coerce.number().nonnegative().optional(),
  type: listParam,
  user: z.string().max(255).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

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
  const streamSlots = opts.streamSlots ?? new StreamSlots();
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
  registerEndorsementRoutes(app, opts.engine, opts.endorsementsPath);
  registerIdentityRoutes(app, opts.identities);
  registerLogRoutes(app, { ...opts, streamSlots });
  app.get(`${ADMIN_PREFIX}/snapshot`, async () => engine.snapshot());

  app.get(`${ADMIN_PREFIX}/events`, (request, reply) => {
    const giveBack = streamSlots.take();
    const stream = new EventStream(request, reply, engine, opts, () => {
      streams.delete(stream);
      giveBack();
    });
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
  registerCodeRoutes(app, engine, opts.publicUrl);

  app.get(`${ADMIN_PREFIX}/join-wave`, async () => ({ join_wave: engine.snapshot().joinWave }));

  app.post(`${ADMIN_PREFIX}/join-wave/resume`, async (request) => {
    const by = parseActor(request.headers[ACTOR_HEADER]);
    const result = await engine.resumeJoinWave(by);
    if (!result.ok) throw new ApiError(409, "refused", result.error);
    return { ok: true, join_wave: engine.snapshot().joinWave };
  });

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
