/**
 * Kick, ban, unban, promote and demote from the operator room (roles through
 * src/moderation/roles.ts, shared with the admin API), across the
 * space and its child rooms. Each room's outcome is reported; a room that
 * failed can be retried by repeating the command (every step is idempotent:
 * a user already gone, banned or at the wanted level counts as done).
 */
import type { AuditSink } from "../../core/ports.js";
import type { Role } from "../../core/moderation/power-levels.js";
import type { RoomAction, RoomOutcome, SdkModerationPort } from "../matrix/moderation-port.js";
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
}

const PAST: Record<RoomAction, string> = { kick: "kicked", ban: "banned", unban: "unbanned" };

export function moderationActions(
  doors: ModerationDoors,
): Required<Omit<OperatorActions, "block" | "tokens">> {
  const roles = doors.roleService ?? roleService(doors);
  const membership =
    (action: RoomAction) =>
    async (user: string, reason: string | undefined, by: string): Promise<ActionOutcome> => {
      if (user === doors.port.userId)
        return { ok: false, error: `anteroom does not ${action} itself` };
      const outcomes = await doors.port[action](doors.rooms, user, reason ?? "");
      const failed = outcomes.filter((o): o is Extract<RoomOutcome, { ok: false }> => !o.ok);
      await doors.audit.append({
        ts: doors.now() / 1000,
        type: `user_${PAST[action]}`,
        user,
        by,
        via: "chat",
        ...(reason === undefined ? {} : { reason }),
        rooms: outcomes.filter((o) => o.ok).map((o) => o.roomId),
        ...(failed.length > 0 ? { failed: failed.map((o) => o.roomId) } : {}),
      });
      const done = `${PAST[action]} ${user} in ${outcomes.length - failed.length} of ${outcomes.length} rooms`;
      if (failed.length === 0) return { ok: true, summary: done };
      return {
        ok: false,
        error: `${done}; ${failed.map((o) => `${o.roomId}: ${o.error.message}`).join("; ")}`,
      };
    };
  return {
    kick: membership("kick"),
    ban: membership("ban"),
    unban: membership("unban"),
    promote: async (user, role, by, maxLevel) =>
      roleReply(await roles.promote(user, role, by, { via: "chat", maxLevel }), doors.rooms.length),
    demote: async (user, by) =>
      roleReply(await roles.demote(user, by, { via: "chat" }), doors.rooms.length),
  };
}

function roleReply(result: RoleChangeResult, roomCount: number): ActionOutcome {
  const text = describeRoleChange(result, roomCount);
  return roleChangeComplete(result) ? { ok: true, summary: text } : { ok: false, error: text };
}
