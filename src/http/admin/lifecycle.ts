/**
 * User-lifecycle hooks in the admin API (same auth as every admin route):
 * `POST /lifecycle` {user, action: created|revoked|promoted|demoted, role?}.
 * 200 with the outcome when applied at once; 202 {queued: true} when the
 * engine is not ready yet (or older calls still wait): queued calls are
 * applied in order once it is, the last word per user winning
 * (src/moderation/lifecycle.ts). `GET /lifecycle` shows what waits.
 */
import type { FastifyInstance } from "fastify";
import { checkLifecycleCall } from "../../../core/moderation/lifecycle-queue.js";
import { lifecycleSucceeded, type Lifecycle } from "../../moderation/lifecycle.js";
import { roleAnswer } from "./roles.js";
import { ACTOR_HEADER, ADMIN_PREFIX, ApiError, parseActor } from "./common.js";

export function registerLifecycleRoutes(
  app: FastifyInstance,
  lifecycle: Lifecycle | undefined,
): void {
  const need = (): Lifecycle => {
    if (lifecycle) return lifecycle;
    throw new ApiError(
      503,
      "lifecycle_unavailable",
      "lifecycle hooks are not set up in this process",
    );
  };

  app.get(`${ADMIN_PREFIX}/lifecycle`, async () => ({ queued: need().queued() }));

  app.post(`${ADMIN_PREFIX}/lifecycle`, async (request, reply) => {
    const by = parseActor(request.headers[ACTOR_HEADER]);
    const call = checkLifecycleCall(request.body);
    if (typeof call === "string") throw new ApiError(400, "bad_request", call);
    const service = need();
    if (call.action === "promoted" && !service.roleNames().includes(call.role)) {
      throw new ApiError(
        400,
        "bad_request",
        `role: unknown role ${call.role}; roles: ${service.roleNames().join(", ")}`,
      );
    }
    const result = await service.submit(call, by);
    if (result.queued) return reply.code(202).send({ queued: true, seq: result.seq });
    const { outcome } = result;
    if ("roles" in outcome) {
      return { queued: false, action: outcome.action, ...roleAnswer(outcome.roles) };
    }
    return {
      queued: false,
      action: outcome.action,
      user: outcome.user,
      via: outcome.via,
      complete: lifecycleSucceeded(outcome),
      steps: outcome.steps,
    };
  });
}
