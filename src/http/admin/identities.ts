/**
 * `POST /identities/:user/accept`: a moderator accepts a person's new cross-signing identity, so
 * that their chat commands count again under ADMIN_REQUIRE_VERIFIED_DEVICE
 * (src/matrix/crypto/identity-approval.ts). 200 `{user, accepted}` (false: it had not changed);
 * 409 `encryption_off` when the bot's encryption is off.
 */
import type { FastifyInstance } from "fastify";
import { isUserId } from "../../../core/moderation/matrix-ids.js";
import type { IdentityApproval } from "../../matrix/crypto/identity-approval.js";
import { ACTOR_HEADER, ADMIN_PREFIX, ApiError, parseActor } from "./common.js";

export function registerIdentityRoutes(
  app: FastifyInstance,
  identities: IdentityApproval | undefined,
): void {
  app.post<{ Params: { user: string } }>(
    `${ADMIN_PREFIX}/identities/:user/accept`,
    async (request) => {
      const by = parseActor(request.headers[ACTOR_HEADER]);
      const { user } = request.params;
      if (!isUserId(user))
        throw new ApiError(400, "bad_request", "user must be a Matrix user ID such as @a:b");
      if (!identities)
        throw new ApiError(503, "identities_unavailable", "not set up in this process");
      const outcome = await identities.accept(user, by);
      if (outcome === "encryption_off")
        throw new ApiError(409, "encryption_off", "the bot's encryption is off (ENCRYPTION)");
      return { user, accepted: outcome === "accepted" };
    },
  );
}
