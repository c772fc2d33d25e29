/**
 * Lobbies in the admin API, under `/admin/v1/lobbies`: list, one, open one
 * for a code (what the join page does), and a moderator's actions. Same
 * conventions as routes.ts.
 */
import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import * as z from "zod";
import type { EngineApi } from "../../../core/api.js";
import { ACTIVE_LOBBY_PHASES, LOBBY_PHASES, type LobbyRecord } from "../../../core/lobby/record.js";
import type { LobbyAction } from "../../../core/lobby/commands.js";
import {
  ACTOR_HEADER,
  ADMIN_PREFIX,
  ApiError,
  listParam,
  parseActor,
  parseOr400,
} from "./common.js";

/** A moderator's action on a lobby; ranges are the engine's call, as for knocks. */
const lobbyActionSchema = z.discriminatedUnion("action", [
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

const lobbiesQuery = z.object({
  phase: listParam.pipe(z.array(z.enum([...LOBBY_PHASES, "active"])).optional()),
});

/** `/admin/v1/lobbies…`: list, one, open one for a code, moderator actions. */
export function registerLobbyRoutes(app: FastifyInstance, engine: EngineApi): void {
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
