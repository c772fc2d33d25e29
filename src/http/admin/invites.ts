/**
 * Pending invites in the admin API, under `/admin/v1`: `GET /invites` (the
 * invites anteroom sent that nobody answered yet) and `DELETE /invites/{user}`
 * (a moderator takes one back, in the space and every room it went to). Same
 * conventions as routes.ts: input validated here (400), errors `{error, message}`.
 */
import type { FastifyInstance } from "fastify";
import * as z from "zod";
import type { EngineApi } from "../../../core/api.js";
import { isUserId } from "../../../core/moderation/matrix-ids.js";
import { ACTOR_HEADER, ADMIN_PREFIX, ApiError, parseActor, parseOr400 } from "./common.js";

const userSchema = z
  .string()
  .max(255)
  .refine(isUserId, "a Matrix user id such as @alice:example.org");

export function registerInviteRoutes(app: FastifyInstance, engine: EngineApi): void {
  app.get(`${ADMIN_PREFIX}/invites`, async () => ({ invites: engine.snapshot().invites ?? [] }));

  app.delete<{ Params: { user: string } }>(`${ADMIN_PREFIX}/invites/:user`, async (request) => {
    const by = parseActor(request.headers[ACTOR_HEADER]);
    const user = parseOr400(userSchema, request.params.user, "user");
    const pending = engine.snapshot().invites?.some((invite) => invite.user === user);
    if (!pending) throw new ApiError(404, "not_found", `no pending invite for ${user}`);
    const result = await engine.withdrawInvite(user, by);
    if (!result.ok) throw new ApiError(409, "refused", result.error);
    return { ok: true, user };
  });
}
