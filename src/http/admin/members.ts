/**
 * Kick, ban and unban in the admin API: `POST /members/:user/actions` with
 * `{action, reason?}` acts on the space and its child rooms through the same
 * service as the chat commands and the console (src/moderation/member-actions.ts).
 * A request refused as a whole (bad user ID, the bot itself) is 400 and
 * nothing is sent; a homeserver that answered no room because it could not
 * be reached is 503 `homeserver_unavailable`; otherwise 200 with each room's
 * outcome, `complete` telling whether every room ended as asked.
 */
import type { FastifyInstance } from "fastify";
import * as z from "zod";
import { hasControlCharacters } from "../../../core/chat-commands/matrix-ids.js";
import {
  MAX_MEMBER_ACTION_REASON,
  MEMBER_ACTIONS,
  homeserverUnreachable,
  memberActionComplete,
  type MemberActionService,
} from "../../moderation/member-actions.js";
import { ACTOR_HEADER, ADMIN_PREFIX, ApiError, parseActor, parseOr400 } from "./common.js";

const memberActionSchema = z.strictObject({
  action: z.enum(MEMBER_ACTIONS),
  reason: z
    .string()
    .max(MAX_MEMBER_ACTION_REASON)
    .refine((text) => !hasControlCharacters(text), "reason must not contain control characters")
    .optional(),
});

/** Registers the route; without the service it answers 503 `members_unavailable`. */
export function registerMemberActionRoutes(
  app: FastifyInstance,
  service: MemberActionService | undefined,
): void {
  app.post<{ Params: { user: string } }>(
    `${ADMIN_PREFIX}/members/:user/actions`,
    async (request) => {
      const by = parseActor(request.headers[ACTOR_HEADER]);
      const body = parseOr400(memberActionSchema, request.body, "body");
      if (!service) {
        throw new ApiError(
          503,
          "members_unavailable",
          "kick and ban are not set up in this process",
        );
      }
      const result = await service.act(body.action, request.params.user, {
        by,
        via: "admin-api",
        ...(body.reason === undefined ? {} : { reason: body.reason }),
      });
      if (!result.ok) throw new ApiError(400, "bad_request", result.reason);
      const unreachable = homeserverUnreachable(result);
      if (unreachable) throw new ApiError(503, "homeserver_unavailable", unreachable);
      return {
        user: result.user,
        action: result.action,
        complete: memberActionComplete(result),
        rooms: result.rooms,
      };
    },
  );
}
