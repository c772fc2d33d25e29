/**
 * What the community should look like, and the state events that take one
 * room from what it is to that. Pure: the room's current state in, the
 * changes out. Comparisons are loose on purpose — a room that already does
 * what anteroom needs is left alone, so a second `anteroom init` sends nothing.
 */
import { BOT_POWER_LEVEL } from "../matrix/matrix-port.js";
import type { Json } from "./homeserver-api.js";

export const ADMIN_POWER_LEVEL = 100;
export const HISTORY_VISIBILITY = "shared";

export interface RoomSpec {
  /** The full alias, e.g. `#general:example.org`. */
  readonly alias: string;
  readonly name: string;
  /**
   * False for a default name: it is set on a room without one, and never over a name
   * the community chose later. True when the operator asked for it: it is enforced.
   */
  readonly nameIsExplicit: boolean;
  readonly topic?: string;
  readonly topicIsExplicit: boolean;
}

export interface CommunitySpec {
  readonly space: RoomSpec;
  readonly rooms: readonly RoomSpec[];
  /** User ids kept at power level 100 (at least) in the space and every room. */
  readonly admins: readonly string[];
  /** Child rooms encrypted, and the command room (--encrypted). */
  readonly encrypted: boolean;
  /** The private, encrypted room moderators give commands in (ADMIN_COMMAND_ROOM). */
  readonly commandRoom?: RoomSpec;
}

export const MEGOLM = { algorithm: "m.megolm.v1.aes-sha2" };

export interface StateEvent {
  readonly type: string;
  readonly state_key: string;
  readonly sender: string;
  readonly content: Json;
}

export interface StateChange {
  readonly type: string;
  readonly stateKey: string;
  readonly content: Json;
  /** For the operator: "join rule → knock". */
  readonly what: string;
}

/** A room's current state, as read from `GET /rooms/{id}/state`. */
export class RoomState {
  private readonly byKey = new Map<string, StateEvent>();

  constructor(events: readonly unknown[]) {
    for (const raw of events) {
      const event = raw as Partial<StateEvent> | null;
      if (
        typeof event?.type === "string" &&
        typeof event.state_key === "string" &&
        typeof event.content === "object" &&
        event.content !== null
      ) {
        this.byKey.set(key(event.type, event.state_key), {
          type: event.type,
          state_key: event.state_key,
          sender: typeof event.sender === "string" ? event.sender : "",
          content: event.content,
        });
      }
    }
  }

  content(type: string, stateKey = ""): Json | undefined {
    const content = this.byKey.get(key(type, stateKey))?.content;
    // An emptied event (a removed m.space.child link, say) counts as absent.
    return content && Object.keys(content).length > 0 ? content : undefined;
  }

  get roomVersion(): string {
    const version = this.content("m.room.create")?.room_version;
    return typeof version === "string" ? version : "1";
  }

  get isSpace(): boolean {
    return this.content("m.room.create")?.type === "m.space";
  }

  /** Room v12 creators: infinite power, and never listed in m.room.power_levels. */
  get privilegedCreators(): string[] {
    if (!creatorsArePrivileged(this.roomVersion)) return [];
    const create = this.byKey.get(key("m.room.create", ""));
    const extra = create?.content.additional_creators;
    return [
      ...(create?.sender ? [create.sender] : []),
      ...(Array.isArray(extra) ? extra.filter((u): u is string => typeof u === "string") : []),
    ];
  }

  /** A user's power level, by the spec's rules (creators of v12 rooms: infinite). */
  powerLevel(userId: string): number {
    if (this.privilegedCreators.includes(userId)) return Number.POSITIVE_INFINITY;
    const levels = this.content("m.room.power_levels");
    if (!levels) {
      const create = this.byKey.get(key("m.room.create", ""));
      return create?.sender === userId ? 100 : 0;
    }
    const users = asRecord(levels.users);
    return numberOr(users[userId], numberOr(levels.users_default, 0));
  }

  /** The level needed to send a state event of `type`. */
  levelFor(type: string): number {
    const levels = this.content("m.room.power_levels");
    if (!levels) return 0;
    return numberOr(asRecord(levels.events)[type], numberOr(levels.state_default, 50));
  }
}

/** Room versions whose creators have infinite power (room v12 and its pre-release name). */
export function creatorsArePrivileged(roomVersion: string): boolean {
  return roomVersion === "org.matrix.hydra.11" || versionNumber(roomVersion) >= 12;
}

/** The number of a room version ("11" → 11); NaN for a non-numeric (experimental) one. */
export function versionNumber(roomVersion: string): number {
  if (roomVersion === "org.matrix.hydra.11") return 11;
  return /^\d+$/.test(roomVersion) ? Number(roomVersion) : Number.NaN;
}

/**
 * The room version for new rooms: the server's default when it is 10 or newer (knock and
 * restricted joins, and knock_restricted), else 11.
 */
export function roomVersionForNewRooms(serverDefault: string | undefined): string {
  return serverDefault !== undefined && versionNumber(serverDefault) >= 10 ? serverDefault : "11";
}

/** Power levels for a room init creates: the bot above admins. */
export function initialPowerLevels(
  roomVersion: string,
  botUserId: string,
  admins: readonly string[],
): Json {
  const users: Record<string, number> = {};
  for (const admin of admins) users[admin] = ADMIN_POWER_LEVEL;
  // In a v12 room the creator (the bot) is above everyone already, and may not be listed.
  if (!creatorsArePrivileged(roomVersion)) users[botUserId] = BOT_POWER_LEVEL;
  else delete users[botUserId];
  return { users };
}

export interface Plan {
  readonly changes: StateChange[];
  /** What init cannot fix by itself, for the operator. */
  readonly warnings: string[];
}

/** The space: knock, its name and topic, history, power levels, and a link to each room. */
export function planSpace(
  state: RoomState,
  spec: CommunitySpec,
  ctx: { botUserId: string; childIds: readonly string[]; via: readonly string[] },
): Plan {
  const changes: StateChange[] = [];
  if (state.content("m.room.join_rules")?.join_rule !== "knock") {
    changes.push(change("m.room.join_rules", "", { join_rule: "knock" }, "join rule → knock"));
  }
  changes.push(...commonChanges(state, spec.space));
  for (const childId of ctx.childIds) {
    if (!hasVia(state.content("m.space.child", childId))) {
      changes.push(
        change(
          "m.space.child",
          childId,
          { via: [...ctx.via], suggested: true },
          `link to child room ${childId}`,
        ),
      );
    }
  }
  const levels = planPowerLevels(state, ctx.botUserId, spec.admins);
  return { changes: [...changes, ...levels.changes], warnings: levels.warnings };
}

/** A child room: restricted to the space's members, linked back to the space. */
export function planRoom(
  state: RoomState,
  room: RoomSpec,
  spec: CommunitySpec,
  ctx: { botUserId: string; spaceId: string; via: readonly string[] },
): Plan {
  const changes: StateChange[] = [];
  const wantedRule = restrictedTo(ctx.spaceId);
  if (!isRestrictedTo(state.content("m.room.join_rules"), ctx.spaceId)) {
    changes.push(
      change("m.room.join_rules", "", wantedRule, `join rule → restricted to ${ctx.spaceId}`),
    );
  }
  changes.push(...commonChanges(state, room));
  if (!hasVia(state.content("m.space.parent", ctx.spaceId))) {
    changes.push(
      change(
        "m.space.parent",
        ctx.spaceId,
        { via: [...ctx.via], canonical: true },
        `link to the space ${ctx.spaceId}`,
      ),
    );
  }
  if (spec.encrypted) changes.push(...encryption(state));
  const levels = planPowerLevels(state, ctx.botUserId, spec.admins);
  return { changes: [...changes, ...levels.changes], warnings: levels.warnings };
}

/** The command room: private (as created), encrypted, its name and history, the admins at 100. */
export function planCommandRoom(
  state: RoomState,
  room: RoomSpec,
  spec: CommunitySpec,
  ctx: { botUserId: string },
): Plan {
  const changes = [...commonChanges(state, room), ...encryption(state)];
  const levels = planPowerLevels(state, ctx.botUserId, spec.admins);
  return { changes: [...changes, ...levels.changes], warnings: levels.warnings };
}

/** Encryption on where it is not; a room's encryption is never changed once set. */
function encryption(state: RoomState): StateChange[] {
  if (state.content("m.room.encryption") !== undefined) return [];
  return [change("m.room.encryption", "", MEGOLM, "encryption on")];
}

export function restrictedTo(spaceId: string): Json {
  return { join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: spaceId }] };
}

function isRestrictedTo(rule: Json | undefined, spaceId: string): boolean {
  if (rule?.join_rule !== "restricted" || !Array.isArray(rule.allow)) return false;
  return rule.allow.some(
    (entry: unknown) =>
      asRecord(entry).type === "m.room_membership" && asRecord(entry).room_id === spaceId,
  );
}

function commonChanges(state: RoomState, spec: RoomSpec): StateChange[] {
  const changes: StateChange[] = [];
  const name = state.content("m.room.name")?.name;
  if (name !== spec.name && (spec.nameIsExplicit || typeof name !== "string" || name === "")) {
    changes.push(change("m.room.name", "", { name: spec.name }, `name → "${spec.name}"`));
  }
  const topic = state.content("m.room.topic")?.topic;
  if (
    spec.topic !== undefined &&
    topic !== spec.topic &&
    (spec.topicIsExplicit || typeof topic !== "string" || topic === "")
  ) {
    changes.push(change("m.room.topic", "", { topic: spec.topic }, "topic set"));
  }
  if (state.content("m.room.history_visibility")?.history_visibility !== HISTORY_VISIBILITY) {
    changes.push(
      change(
        "m.room.history_visibility",
        "",
        { history_visibility: HISTORY_VISIBILITY },
        `history visibility → ${HISTORY_VISIBILITY}`,
      ),
    );
  }
  return changes;
}

/**
 * The bot at 200 and each admin at 100 or more, keeping everything else as it is. Nobody may
 * raise a level above their own: a bot below 200 in a room made by hand stays there, with a
 * warning saying who can fix it.
 */
export function planPowerLevels(
  state: RoomState,
  botUserId: string,
  admins: readonly string[],
): Plan {
  const warnings: string[] = [];
  const current = state.content("m.room.power_levels") ?? {};
  const users = { ...asRecord(current.users) };
  const creators = state.privilegedCreators;
  const botLevel = state.powerLevel(botUserId);
  if (!creators.includes(botUserId) && botLevel < BOT_POWER_LEVEL) {
    warnings.push(
      `the bot is at power level ${botLevel}, below ${BOT_POWER_LEVEL}, and cannot raise itself: until a user at ${BOT_POWER_LEVEL} or more raises it, it cannot demote admins here`,
    );
  }
  const wantedAdmins: string[] = [];
  for (const admin of admins) {
    if (creators.includes(admin) || admin === botUserId) continue;
    if (state.powerLevel(admin) >= ADMIN_POWER_LEVEL) continue;
    if (botLevel < ADMIN_POWER_LEVEL) {
      warnings.push(
        `${admin} is below power level ${ADMIN_POWER_LEVEL} and the bot (at ${botLevel}) cannot raise them`,
      );
      continue;
    }
    users[admin] = ADMIN_POWER_LEVEL;
    wantedAdmins.push(admin);
  }
  if (wantedAdmins.length === 0) return { changes: [], warnings };
  return {
    changes: [
      change(
        "m.room.power_levels",
        "",
        { ...current, users },
        `power level ${ADMIN_POWER_LEVEL} for ${wantedAdmins.join(", ")}`,
      ),
    ],
    warnings,
  };
}

function hasVia(link: Json | undefined): boolean {
  return Array.isArray(link?.via) && link.via.some((v: unknown) => typeof v === "string");
}

function change(type: string, stateKey: string, content: Json, what: string): StateChange {
  return { type, stateKey, content, what };
}

function key(type: string, stateKey: string): string {
  return `${type}\u0000${stateKey}`;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}
