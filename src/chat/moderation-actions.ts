/**
 * Kick, ban, unban, promote and demote from the operator room, across the
 * space and its child rooms. Each room's outcome is reported; a room that
 * failed can be retried by repeating the command (every step is idempotent:
 * a user already gone, banned or at the wanted level counts as done).
 */
import type { AuditSink } from "../../core/ports.js";
import { mayGrant } from "../../core/chat-commands/authorize.js";
import { planRoleChange, type Role, type RoleChange } from "../../core/moderation/power-levels.js";
import type { RoomAction, RoomOutcome, SdkModerationPort } from "../matrix/moderation-port.js";
import { toHomeserverError } from "../matrix/errors.js";
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
}

const PAST: Record<RoomAction, string> = { kick: "kicked", ban: "banned", unban: "unbanned" };

export function moderationActions(
  doors: ModerationDoors,
): Required<Omit<OperatorActions, "block">> {
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
    promote: (user, role, by, maxLevel) => changeRole(doors, user, { role }, by, maxLevel),
    demote: (user, by) => changeRole(doors, user, { demote: true }, by),
  };
}

async function changeRole(
  doors: ModerationDoors,
  target: string,
  change: RoleChange,
  by: string,
  maxLevel = Number.POSITIVE_INFINITY,
): Promise<ActionOutcome> {
  const unreadable: string[] = [];
  const rooms = [];
  for (const roomId of doors.rooms) {
    try {
      const state = await doors.port.readPowerLevels(roomId);
      rooms.push({
        roomId,
        content: state.content,
        ...(state.creators ? { creators: state.creators } : {}),
      });
    } catch (error) {
      unreadable.push(`${roomId}: ${toHomeserverError(error).message}`);
    }
  }
  const plan = planRoleChange({
    botUserId: doors.port.userId,
    target,
    change,
    rooms,
    ...(doors.roles ? { roles: doors.roles } : {}),
  });
  if (!plan.ok) return { ok: false, error: plan.reason };
  if (typeof plan.level === "number" && !mayGrant(maxLevel, plan.level)) {
    return {
      ok: false,
      error: `${String(plan.level)} is above your own power level (${maxLevel})`,
    };
  }
  const problems = [...unreadable];
  const changed: string[] = [];
  let unchanged = 0;
  for (const room of plan.rooms) {
    if (room.outcome === "unchanged") unchanged++;
    else if (room.outcome === "refused") problems.push(`${room.roomId}: ${room.reason}`);
    else {
      try {
        await doors.port.writePowerLevels(room.roomId, room.content);
        changed.push(room.roomId);
      } catch (error) {
        problems.push(`${room.roomId}: ${toHomeserverError(error).message}`);
      }
    }
  }
  const what = "role" in change ? `${change.role} (${String(plan.level)})` : "the default level";
  await doors.audit.append({
    ts: doors.now() / 1000,
    type: "role_changed",
    user: target,
    by,
    via: "chat",
    ...("role" in change ? { role: change.role, level: plan.level } : { demoted: true }),
    rooms: changed,
    ...(problems.length > 0 ? { failed: problems.length } : {}),
  });
  const summary = `${target} set to ${what}: changed in ${changed.length}, already so in ${unchanged}, of ${doors.rooms.length} rooms`;
  return problems.length === 0
    ? { ok: true, summary }
    : { ok: false, error: `${summary}; ${problems.join("; ")}` };
}
