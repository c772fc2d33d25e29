/**
 * Kick, ban, unban, promote and demote from the operator room (through
 * src/moderation/member-actions.ts and roles.ts, shared with the admin API and
 * the console), across the space and its child rooms. Each room's outcome is reported; a room that
 * failed can be retried by repeating the command (every step is idempotent:
 * a user already gone, banned or at the wanted level counts as done).
 */
import type { AuditSink } from "../../core/ports.js";
import type { Role } from "../../core/moderation/power-levels.js";
import type { SdkModerationPort } from "../matrix/moderation-port.js";
import type { MemberAction } from "../../core/moderation-api.js";
import {
  describeMemberAction,
  memberActionComplete,
  memberActionService,
  type MemberActionService,
} from "../moderation/member-actions.js";
import {
  describeRoleChange,
  roleChangeComplete,
  roleService,
  type RoleChangeResult,
  type RoleService,
} from "../moderation/roles.js";
import type { ActionOutcome, OperatorActions } from "./operator-actions.js";

export type ModerationPort = Pick<
  SdkModerationPort,
  "userId" | "kick" | "ban" | "unban" | "readPowerLevels" | "writePowerLevels"
>;

export interface ModerationDoors {
  readonly port: ModerationPort;
  /** The space first, then its child rooms. */
  readonly rooms: readonly string[];
  readonly audit: Pick<AuditSink, "append">;
  /** Configured roles; the planner's defaults (member 0, moderator 50, admin 100) when absent. */
  readonly roles?: readonly Role[];
  readonly now: () => number;
  /** The runtime's shared role service; one is made from the fields above when absent. */
  readonly roleService?: RoleService;
  /** The runtime's shared kick/ban/unban service (src/moderation/member-actions.ts); likewise. */
  readonly memberActions?: MemberActionService;
}

export function moderationActions(
  doors: ModerationDoors,
): Required<Omit<OperatorActions, "block" | "tokens">> {
  const roles = doors.roleService ?? roleService(doors);
  const members = doors.memberActions ?? memberActionService(doors);
  const membership =
    (action: MemberAction) =>
    async (
      user: string,
      reason: string | undefined,
      by: string,
      authority: number,
    ): Promise<ActionOutcome> => {
      const result = await members.act(action, user, {
        by,
        via: "chat",
        authority,
        ...(reason === undefined ? {} : { reason }),
      });
      const text = describeMemberAction(result);
      return memberActionComplete(result)
        ? { ok: true, summary: text }
        : { ok: false, error: text };
    };
  return {
    kick: membership("kick"),
    ban: membership("ban"),
    unban: membership("unban"),
    promote: async (user, role, by, authority) =>
      roleReply(
        await roles.promote(user, role, by, { via: "chat", authority }),
        doors.rooms.length,
      ),
    demote: async (user, by, authority) =>
      roleReply(await roles.demote(user, by, { via: "chat", authority }), doors.rooms.length),
  };
}

function roleReply(result: RoleChangeResult, roomCount: number): ActionOutcome {
  const text = describeRoleChange(result, roomCount);
  return roleChangeComplete(result) ? { ok: true, summary: text } : { ok: false, error: text };
}
