/**
 * Power-level roles across the space and its child rooms: the one service the
 * operator room, the admin API, lifecycle hooks and the console all use.
 * core/moderation/power-levels.ts decides the content per room; this reads
 * each room's power levels, sends the planned ones and audits `role_changed`.
 * Nothing is sent when the plan refuses the request as a whole (bad user ID,
 * unknown role, the bot itself, a level above the caller's own, a target not
 * below the caller in one of the rooms).
 */
import type { AuditSink } from "../../core/ports.js";
import {
  DEFAULT_ROLES,
  planRoleChange,
  userPowerLevel,
  type Role,
  type RoleChange,
} from "../../core/moderation/power-levels.js";
import { mayGrant } from "../../core/chat-commands/authorize.js";
import { outOfReachReason, roomsOutOfReach } from "../../core/moderation/reach.js";
import type { RoomMember, SdkModerationPort } from "../matrix/moderation-port.js";
import { toHomeserverError } from "../matrix/errors.js";
import { readRoomPowerLevels } from "./room-power-levels.js";

export type RolesPort = Pick<SdkModerationPort, "userId" | "readPowerLevels" | "writePowerLevels">;

export interface RoleServiceDeps {
  readonly port: RolesPort;
  /** The space first, then its child rooms. */
  readonly rooms: readonly string[];
  readonly audit: Pick<AuditSink, "append">;
  /** Configured roles (ROLES); member 0, moderator 50, admin 100 when absent. */
  readonly roles?: readonly Role[];
  readonly now: () => number;
}

/** One room's result: sent, already so, refused by the plan, or failed at the homeserver. */
export type RoomRoleResult =
  | {
      readonly roomId: string;
      readonly outcome: "changed";
      readonly from: number;
      readonly to: number;
    }
  | { readonly roomId: string; readonly outcome: "unchanged"; readonly level: number }
  | { readonly roomId: string; readonly outcome: "refused"; readonly reason: string }
  | {
      readonly roomId: string;
      readonly outcome: "failed";
      readonly reason: string;
      /** The homeserver may accept it later (down, rate-limited): worth a retry. */
      readonly transient: boolean;
    };

export type RoleChangeResult =
  /** Nothing was sent: the request itself is wrong. */
  | { readonly ok: false; readonly reason: string }
  | {
      readonly ok: true;
      readonly user: string;
      /** The role given, or undefined for a demotion. */
      readonly role?: string;
      /** The level asked for; "default" for a demotion (each room's users_default). */
      readonly level: number | "default";
      readonly rooms: readonly RoomRoleResult[];
    };

export interface ChangeOptions {
  /** Who asked through what: "chat", "admin-api", "lifecycle", "console". */
  readonly via: string;
  /**
   * The caller's reach (a chat operator's own level): they grant at most this level and act
   * only on people below it in every room. Unlimited when absent.
   */
  readonly authority?: number;
}

/** Someone the space or a child room names, with their membership and level in each room. */
export interface MemberRoles {
  readonly userId: string;
  readonly displayName?: string;
  readonly rooms: Record<string, { readonly membership: string; readonly level: number }>;
}

export interface RoleService {
  readonly roles: readonly Role[];
  promote(
    user: string,
    role: string,
    by: string,
    options: ChangeOptions,
  ): Promise<RoleChangeResult>;
  demote(user: string, by: string, options: ChangeOptions): Promise<RoleChangeResult>;
  /** Joined and invited members of the space and its rooms with their levels (creators: Infinity, shown as null in JSON). */
  members(port: Pick<SdkModerationPort, "members">): Promise<MemberRoles[]>;
}

export function roleService(deps: RoleServiceDeps): RoleService {
  const roles = deps.roles ?? DEFAULT_ROLES;
  return {
    roles,
    promote: (user, role, by, options) => change(deps, roles, user, { role }, by, options),
    demote: (user, by, options) => change(deps, roles, user, { demote: true }, by, options),
    members: (port) => members(deps, port),
  };
}

/** Whether every room ended at the wanted level (changed or already so). */
export function roleChangeComplete(result: RoleChangeResult): boolean {
  return (
    result.ok && result.rooms.every((r) => r.outcome === "changed" || r.outcome === "unchanged")
  );
}

async function change(
  deps: RoleServiceDeps,
  roles: readonly Role[],
  target: string,
  wanted: RoleChange,
  by: string,
  options: ChangeOptions,
): Promise<RoleChangeResult> {
  // The request itself is checked before any room is read: a wrong one touches nothing.
  const request = { botUserId: deps.port.userId, target, change: wanted, roles };
  const check = planRoleChange({ ...request, rooms: [{ roomId: "", content: undefined }] });
  if (!check.ok) return { ok: false, reason: check.reason };
  const authority = options.authority ?? Number.POSITIVE_INFINITY;
  if (typeof check.level === "number" && !mayGrant(authority, check.level)) {
    return { ok: false, reason: `${check.level} is above your own power level (${authority})` };
  }
  const { read, unreadable } = await readRoomPowerLevels(deps.port, deps.rooms);
  // A room whose levels could not be read is not written either: it is reported as failed.
  const outOfReach = roomsOutOfReach(authority, target, read);
  if (outOfReach.length > 0)
    return { ok: false, reason: outOfReachReason(target, authority, outOfReach) };
  const plan = planRoleChange({ ...request, rooms: read });
  const planned = plan.ok ? plan.rooms : [];
  const results: RoomRoleResult[] = [];
  for (const room of planned) {
    if (room.outcome === "unchanged") results.push(room);
    else if (room.outcome === "refused") results.push(room);
    else {
      try {
        await deps.port.writePowerLevels(room.roomId, room.content);
        results.push({ roomId: room.roomId, outcome: "changed", from: room.from, to: room.to });
      } catch (error) {
        const failure = toHomeserverError(error);
        results.push({
          roomId: room.roomId,
          outcome: "failed",
          reason: failure.message,
          transient: failure.transient,
        });
      }
    }
  }
  results.push(...unreadable);
  const level = check.level;
  const changed = results.filter((r) => r.outcome === "changed").map((r) => r.roomId);
  const problems = results.filter((r) => r.outcome === "refused" || r.outcome === "failed");
  await deps.audit.append({
    ts: deps.now() / 1000,
    type: "role_changed",
    user: target,
    by,
    via: options.via,
    ...("role" in wanted ? { role: wanted.role, level } : { demoted: true }),
    rooms: changed,
    ...(problems.length > 0 ? { failed: problems.map((r) => r.roomId) } : {}),
  });
  return {
    ok: true,
    user: target,
    ...("role" in wanted ? { role: wanted.role } : {}),
    level,
    rooms: deps.rooms.map((roomId) => results.find((r) => r.roomId === roomId) as RoomRoleResult),
  };
}

const LISTED: ReadonlySet<string> = new Set(["join", "invite"]);

async function members(
  deps: RoleServiceDeps,
  port: Pick<SdkModerationPort, "members">,
): Promise<MemberRoles[]> {
  const byUser = new Map<string, { displayName?: string; rooms: MemberRoles["rooms"] }>();
  for (const roomId of deps.rooms) {
    const [people, levels] = await Promise.all([
      port.members(roomId),
      deps.port.readPowerLevels(roomId),
    ]);
    for (const person of people as RoomMember[]) {
      if (!LISTED.has(person.membership)) continue;
      const entry = byUser.get(person.userId) ?? { rooms: {} };
      if (entry.displayName === undefined && person.displayName !== undefined)
        entry.displayName = person.displayName;
      entry.rooms[roomId] = {
        membership: person.membership,
        level: userPowerLevel(levels.content, person.userId, levels.creators ?? []),
      };
      byUser.set(person.userId, entry);
    }
  }
  return [...byUser]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([userId, entry]) => ({
      userId,
      ...(entry.displayName === undefined ? {} : { displayName: entry.displayName }),
      rooms: entry.rooms,
    }));
}

/** One line for a chat reply or a log: what changed where, and why a room did not. */
export function describeRoleChange(result: RoleChangeResult, roomCount: number): string {
  if (!result.ok) return result.reason;
  const what =
    result.role === undefined ? "the default level" : `${result.role} (${String(result.level)})`;
  const changed = result.rooms.filter((r) => r.outcome === "changed").length;
  const unchanged = result.rooms.filter((r) => r.outcome === "unchanged").length;
  const problems = result.rooms
    .filter((r) => r.outcome === "refused" || r.outcome === "failed")
    .map((r) => `${r.roomId}: ${"reason" in r ? r.reason : ""}`);
  const summary = `${result.user} set to ${what}: changed in ${changed}, already so in ${unchanged}, of ${roomCount} rooms`;
  return problems.length === 0 ? summary : `${summary}; ${problems.join("; ")}`;
}
