/**
 * Roles in the admin API: `POST /roles` {user, role} promotes across the space
 * and its child rooms, `DELETE /roles/:user` demotes, `GET /members` lists the
 * members with their level per room. Everything goes through the same role
 * service as the chat commands (src/moderation/roles.ts). A request the plan
 * refuses as a whole (bad user ID, unknown role, the bot itself) is 400 and
 * nothing is sent; otherwise 200 with each room's outcome, `complete` telling
 * whether every room ended at the wanted level.
 */
import type { FastifyInstance } from "fastify";
import * as z from "zod";
import { HomeserverError } from "../../../core/ports.js";
import type { SdkModerationPort } from "../../matrix/moderation-port.js";
import {
  roleChangeComplete,
  type MemberRoles,
  type RoleChangeResult,
  type RoleService,
} from "../../moderation/roles.js";
import { ACTOR_HEADER, ADMIN_PREFIX, ApiError, parseActor, parseOr400 } from "./common.js";

export interface AdminRoles {
  readonly service: RoleService;
  readonly members: Pick<SdkModerationPort, "members">;
}

const promoteSchema = z.strictObject({
  user: z.string().min(1).max(300),
  role: z.string().min(1).max(64),
});

/** Registers the routes; without a role service they answer 503 `roles_unavailable`. */
export function registerRoleRoutes(app: FastifyInstance, roles: AdminRoles | undefined): void {
  const need = (): AdminRoles => {
    if (roles) return roles;
    throw new ApiError(503, "roles_unavailable", "roles are not set up in this process");
  };

  app.get(`${ADMIN_PREFIX}/roles`, async () => ({ roles: need().service.roles }));

  app.post(`${ADMIN_PREFIX}/roles`, async (request) => {
    const by = parseActor(request.headers[ACTOR_HEADER]);
    const body = parseOr400(promoteSchema, request.body, "body");
    const result = await need().service.promote(body.user, body.role, by, { via: "admin-api" });
    return roleAnswer(result);
  });

  app.delete<{ Params: { user: string } }>(`${ADMIN_PREFIX}/roles/:user`, async (request) => {
    const by = parseActor(request.headers[ACTOR_HEADER]);
    const result = await need().service.demote(request.params.user, by, { via: "admin-api" });
    return roleAnswer(result);
  });

  app.get(`${ADMIN_PREFIX}/members`, async () => {
    const { service, members } = need();
    try {
      return { members: (await service.members(members)).map(memberJson) };
    } catch (error) {
      if (!(error instanceof HomeserverError)) throw error;
      throw new ApiError(
        error.transient ? 503 : 502,
        error.transient ? "homeserver_unavailable" : "homeserver_refused",
        error.message,
      );
    }
  });
}

/** The JSON for a role change; a refusal of the whole request is a 400. */
export function roleAnswer(result: RoleChangeResult) {
  if (!result.ok) throw new ApiError(400, "bad_request", result.reason);
  return {
    user: result.user,
    role: result.role ?? null,
    level: result.level,
    complete: roleChangeComplete(result),
    rooms: result.rooms,
  };
}

/** Unlimited power (room creators, v12+) is `null` in JSON, which has no Infinity. */
function memberJson(member: MemberRoles) {
  return {
    user: member.userId,
    display_name: member.displayName ?? null,
    rooms: Object.fromEntries(
      Object.entries(member.rooms).map(([roomId, r]) => [
        roomId,
        { membership: r.membership, level: Number.isFinite(r.level) ? r.level : null },
      ]),
    ),
  };
}
