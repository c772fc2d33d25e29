/**
 * Who vouched for whom, in the admin API:
 * `GET /members/:user/endorsements` answers who brought the person in, whom
 * they brought in (endorsements.jsonl), and the live codes they minted or were
 * given; `POST /members/:user/codes/revoke` revokes all of those codes at once
 * (audited per code with the moderator's name).
 */
import type { FastifyInstance } from "fastify";
import type { EngineApi } from "../../../core/api.js";
import { isUserId } from "../../../core/moderation/matrix-ids.js";
import { memberEndorsements, revokeCodesOf } from "../../moderation/endorsements.js";
import { ACTOR_HEADER, ADMIN_PREFIX, ApiError, parseActor } from "./common.js";

export function registerEndorsementRoutes(
  app: FastifyInstance,
  engine: EngineApi,
  endorsementsPath: string | undefined,
): void {
  const userOf = (raw: string): string => {
    if (!isUserId(raw))
      throw new ApiError(400, "bad_request", "not a Matrix user ID (like @alice:example.org)");
    return raw;
  };
  app.get<{ Params: { user: string } }>(
    `${ADMIN_PREFIX}/members/:user/endorsements`,
    async (request) => {
      const user = userOf(request.params.user);
      if (!endorsementsPath)
        throw new ApiError(
          503,
          "endorsements_unavailable",
          "endorsements are not kept in this process",
        );
      const found = await memberEndorsements(user, endorsementsPath, engine.snapshot(), Date.now());
      return {
        user,
        endorsed_by: found.endorsedBy ?? null,
        endorsed: found.endorsed,
        live_codes: found.liveCodes,
      };
    },
  );
  app.post<{ Params: { user: string } }>(
    `${ADMIN_PREFIX}/members/:user/codes/revoke`,
    async (request) => {
      const user = userOf(request.params.user);
      const by = parseActor(request.headers[ACTOR_HEADER]);
      return { user, revoked: await revokeCodesOf(engine, user, by, Date.now()) };
    },
  );
}
