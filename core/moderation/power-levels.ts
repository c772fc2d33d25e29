/**
 * Power-level roles across the space and its child rooms: a planner that reads
 * each room's current `m.room.power_levels` content and says, per room, the
 * content to send or why it must not be sent. Nothing here sends anything;
 * the Matrix adapter applies the `change` rooms of a plan.
 *
 * The plan follows the spec's authorization rules for `m.room.power_levels`
 * (so the homeserver will not reject it) and two rules of anteroom's own:
 * the bot's own level is never touched, and the bot stays strictly above
 * everyone it promotes. A demotion removes the user's entry, which puts them
 * back at `users_default`. In room versions 12 and later the room's creators
 * have unlimited power, cannot be changed and may not appear in `users`.
 */
import { parseUserId } from "./matrix-ids.js";

export interface Role {
  name: string;
  level: number;
}

export const DEFAULT_ROLES: readonly Role[] = [
  { name: "member", level: 0 },
  { name: "moderator", level: 50 },
  { name: "admin", level: 100 },
];

/** The level anteroom takes in rooms it creates: above any admin. */
export const BOT_CREATION_LEVEL = 200;

const ROLE_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** Checks configured roles; throws an Error that names the bad one. */
export function checkRoles(roles: readonly Role[]): Role[] {
  if (roles.length === 0) throw new Error("at least one role is needed");
  const names = new Set<string>();
  const levels = new Set<number>();
  for (const role of roles) {
    if (!ROLE_NAME.test(role.name)) {
      throw new Error(
        `role name ${JSON.stringify(role.name)} must be 1-32 lowercase letters, digits, '-' or '_'`,
      );
    }
    if (!Number.isSafeInteger(role.level) || role.level < 0 || role.level >= BOT_CREATION_LEVEL) {
      throw new Error(
        `role ${role.name}: level must be a whole number from 0 to ${BOT_CREATION_LEVEL - 1}, below the bot`,
      );
    }
    if (names.has(role.name)) throw new Error(`role ${role.name} is listed twice`);
    if (levels.has(role.level))
      throw new Error(`role ${role.name}: another role already has level ${role.level}`);
    names.add(role.name);
    levels.add(role.level);
  }
  return [...roles];
}

/** Whether creators of a room of this version have unlimited power (room version 12 and later). */
export function creatorsHaveUnlimitedPower(roomVersion: string | undefined): boolean {
  if (roomVersion === undefined) return false;
  if (/^\d+$/.test(roomVersion)) return Number(roomVersion) >= 12;
  return roomVersion === "org.matrix.hydra.11";
}

/**
 * The `power_level_content_override` for rooms anteroom creates: the bot at
 * 200, above any admin. In room versions 12 and later the creator already has
 * unlimited power and must not be listed, so the override is empty there.
 */
export function botCreationOverride(
  botUserId: string,
  roomVersion?: string,
): { users?: Record<string, number> } {
  if (!parseUserId(botUserId))
    throw new Error(`the bot's user ID ${JSON.stringify(botUserId)} is not valid`);
  if (creatorsHaveUnlimitedPower(roomVersion)) return {};
  return { users: { [botUserId]: BOT_CREATION_LEVEL } };
}

/** One room of the space (or the space itself) as it stands now. */
export interface RoomPowerLevels {
  roomId: string;
  /** The current `m.room.power_levels` content; undefined when the room has none. */
  content: unknown;
  /** Room version 12+: the creators (create event's sender and additional_creators). */
  creators?: readonly string[];
}

export type RoleChange = { role: string } | { demote: true };

export interface RoleChangeRequest {
  botUserId: string;
  target: string;
  change: RoleChange;
  rooms: readonly RoomPowerLevels[];
  roles?: readonly Role[];
}

export type RoomPlan =
  | {
      roomId: string;
      outcome: "change";
      /** The full content to send as `m.room.power_levels`. */
      content: Record<string, unknown>;
      from: number;
      to: number;
    }
  | { roomId: string; outcome: "unchanged"; level: number }
  | { roomId: string; outcome: "refused"; reason: string };

export type RolePlan =
  | { ok: false; reason: string }
  | {
      ok: true;
      target: string;
      /** The level asked for; for a demotion, "default" (each room's users_default). */
      level: number | "default";
      rooms: RoomPlan[];
    };

/**
 * Plans a role change (or a demotion) for `target` in every room. Refuses the
 * whole plan for a bad user ID, an unknown role or the bot itself; refuses a
 * single room when the bot may not make the change there. Apply the rooms
 * whose outcome is `change`; report the refused ones with their reasons.
 */
export function planRoleChange(request: RoleChangeRequest): RolePlan {
  const { botUserId, target, change, rooms } = request;
  if (typeof target !== "string" || !parseUserId(target)) {
    return {
      ok: false,
      reason: `${JSON.stringify(String(target).slice(0, 300))} is not a valid user ID (expected @name:server, at most 255 characters)`,
    };
  }
  if (!parseUserId(botUserId)) return { ok: false, reason: "the bot's own user ID is not valid" };
  if (target === botUserId)
    return { ok: false, reason: "anteroom never changes its own power level" };
  let level: number | "default" = "default";
  if ("role" in change) {
    const roles = request.roles ?? DEFAULT_ROLES;
    const role = roles.find((r) => r.name === change.role);
    if (!role) {
      return {
        ok: false,
        reason: `unknown role ${JSON.stringify(change.role)}; roles: ${roles.map((r) => `${r.name} (${r.level})`).join(", ")}`,
      };
    }
    if (!Number.isSafeInteger(role.level))
      return { ok: false, reason: `role ${role.name} has no whole-number level` };
    level = role.level;
  }
  if (rooms.length === 0) return { ok: false, reason: "no rooms to change" };
  return {
    ok: true,
    target,
    level,
    rooms: rooms.map((room) => planRoom(room, botUserId, target, level)),
  };
}

const LEVEL_FIELDS = [
  "users_default",
  "events_default",
  "state_default",
  "ban",
  "kick",
  "redact",
  "invite",
] as const;

interface ReadLevels {
  users: Record<string, unknown>;
  usersDefault: number;
  powerLevelsNeeded: number;
  levelOf: (userId: string) => number;
}

function planRoom(
  room: RoomPowerLevels,
  bot: string,
  target: string,
  wanted: number | "default",
): RoomPlan {
  const refuse = (reason: string): RoomPlan => ({
    roomId: room.roomId,
    outcome: "refused",
    reason,
  });
  const creators = room.creators ?? [];
  if (room.content === undefined || room.content === null) {
    return refuse("the room has no m.room.power_levels event; anteroom does not create one");
  }
  const read = readLevels(room.content, creators);
  if (typeof read === "string")
    return refuse(`its power levels cannot be read (${read}); fix them by hand`);
  if (creators.includes(target))
    return refuse(`${target} created the room: a creator's power cannot change`);

  const botLevel = read.levelOf(bot);
  if (botLevel < read.powerLevelsNeeded) {
    return refuse(
      `the bot has power level ${botLevel} here; changing power levels needs ${read.powerLevelsNeeded}`,
    );
  }
  const from = read.levelOf(target);
  // Setting someone to the default level is the same as removing their entry, and cleaner.
  const entry = wanted === "default" || wanted === read.usersDefault ? undefined : wanted;
  const to = entry ?? read.usersDefault;
  const hasEntry = Object.hasOwn(read.users, target);
  if (entry === undefined ? !hasEntry : hasEntry && from === entry) {
    return { roomId: room.roomId, outcome: "unchanged", level: from };
  }
  if (from >= botLevel) {
    return refuse(
      `${target} has power level ${from} here, not below the bot's ${botLevel}: the bot cannot change it`,
    );
  }
  if (to >= botLevel) {
    return refuse(`power level ${to} would not leave the bot (${botLevel}) above ${target}`);
  }
  const users = { ...read.users };
  if (entry === undefined) delete users[target];
  else users[target] = entry;
  return {
    roomId: room.roomId,
    outcome: "change",
    content: { ...(room.content as object), users },
    from,
    to,
  };
}

/** Reads the levels the plan needs; a string says what is malformed. */
function readLevels(content: unknown, creators: readonly string[]): ReadLevels | string {
  if (typeof content !== "object" || Array.isArray(content)) return "the content is not an object";
  const fields = content as Record<string, unknown>;
  const users = fields.users ?? {};
  if (typeof users !== "object" || users === null || Array.isArray(users))
    return "users is not an object";
  for (const [userId, value] of Object.entries(users)) {
    if (!parseUserId(userId))
      return `users has the invalid key ${JSON.stringify(userId.slice(0, 300))}`;
    if (readLevel(value) === undefined) return `users[${userId}] is not a whole number`;
  }
  // Every level must read as a whole number: the homeserver rejects the whole event otherwise.
  for (const field of LEVEL_FIELDS) {
    if (fields[field] !== undefined && readLevel(fields[field]) === undefined)
      return `${field} is not a whole number`;
  }
  for (const map of ["events", "notifications"] as const) {
    const value = fields[map];
    if (value === undefined) continue;
    if (typeof value !== "object" || value === null || Array.isArray(value))
      return `${map} is not an object`;
    for (const [key, level] of Object.entries(value)) {
      if (readLevel(level) === undefined)
        return `${map}[${key.slice(0, 100)}] is not a whole number`;
    }
  }
  const usersDefault = readField(fields.users_default, 0);
  const stateDefault = readField(fields.state_default, 50);
  const events = (fields.events ?? {}) as Record<string, unknown>;
  const powerLevelsNeeded = readField(events["m.room.power_levels"], stateDefault ?? 50);
  if (usersDefault === undefined || stateDefault === undefined || powerLevelsNeeded === undefined) {
    return "a level is not a whole number";
  }
  const levels = users as Record<string, unknown>;
  return {
    users: levels,
    usersDefault,
    powerLevelsNeeded,
    levelOf: (userId) =>
      creators.includes(userId)
        ? Number.POSITIVE_INFINITY
        : (readLevel(levels[userId]) ?? usersDefault),
  };
}

function readField(value: unknown, fallback: number): number | undefined {
  return value === undefined ? fallback : readLevel(value);
}

/**
 * A power level: an integer in the range of canonical JSON, or — in room
 * versions before 10 — a string holding one (" +50 ", "0100").
 */
export function readLevel(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== "string" || !/^\s*[+-]?\d+\s*$/.test(value)) return undefined;
  const parsed = Number(value.trim());
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}

/** A user's level in a room from its power-levels content (users_default when absent; 0 with no content). */
export function userPowerLevel(
  content: unknown,
  userId: string,
  creators: readonly string[] = [],
): number {
  if (creators.includes(userId)) return Number.POSITIVE_INFINITY;
  if (content === undefined || content === null) return 0;
  const read = readLevels(content, creators);
  if (typeof read === "string") {
    const fields = typeof content === "object" ? (content as Record<string, unknown>) : {};
    const users = (fields.users ?? {}) as Record<string, unknown>;
    return readLevel(users[userId]) ?? readLevel(fields.users_default) ?? 0;
  }
  return read.levelOf(userId);
}

/** Parses ROLES ("member=0,moderator=50,admin=100"); throws an Error naming the bad part. */
export function parseRolesSetting(text: string): Role[] {
  const roles: Role[] = [];
  for (const part of text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([^=\s]+)\s*=\s*(-?\d+)$/.exec(part);
    if (!match) throw new Error(`${JSON.stringify(part)} is not name=level (e.g. moderator=50)`);
    roles.push({ name: (match[1] as string).toLowerCase(), level: Number(match[2]) });
  }
  return roles;
}
