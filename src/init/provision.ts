/**
 * Finds the space and its rooms by alias, or creates them, then sends the
 * state events that community-plan.ts says are missing — and nothing else.
 * A half-made community (a space without rooms, rooms without their links, a
 * wrong join rule) is finished; a finished one is left untouched.
 */
import {
  initialPowerLevels,
  planCommandRoom,
  planRoom,
  planSpace,
  MEGOLM,
  restrictedTo,
  roomVersionForNewRooms,
  RoomState,
  versionNumber,
  HISTORY_VISIBILITY,
  type CommunitySpec,
  type Plan,
  type RoomSpec,
  type StateChange,
} from "./community-plan.js";
import { HomeserverApi, InitError, enc, isRefusal, type Json } from "./homeserver-api.js";

export interface ProvisionedRoom {
  readonly alias: string;
  readonly roomId: string;
  readonly created: boolean;
}

export interface ProvisionResult {
  readonly space: ProvisionedRoom;
  readonly rooms: readonly ProvisionedRoom[];
  /** The private, encrypted command room, with --encrypted. */
  readonly commandRoom?: ProvisionedRoom;
  /** One line per state event sent (room creations not included). */
  readonly changes: readonly string[];
  readonly warnings: readonly string[];
}

/** The first knock-capable and restricted-capable room versions. */
const KNOCK_SINCE = 7;
const RESTRICTED_SINCE = 8;

export async function provisionCommunity(
  api: HomeserverApi,
  botUserId: string,
  spec: CommunitySpec,
  report: (line: string) => void,
): Promise<ProvisionResult> {
  const serverName = botUserId.slice(botUserId.indexOf(":") + 1);
  const via = [serverName];
  const roomVersion = roomVersionForNewRooms(await defaultRoomVersion(api));
  const rooms = new CommunityRooms(api, botUserId, spec, roomVersion);

  const space = await rooms.findOrCreate(spec.space, (localpart) => ({
    ...createBody(localpart, spec.space, roomVersion),
    creation_content: { type: "m.space" },
    initial_state: [
      { type: "m.room.join_rules", state_key: "", content: { join_rule: "knock" } },
      historyVisibility(),
    ],
  }));
  report(describe("space", space));
  const spaceState = await rooms.state(space);
  if (!spaceState.isSpace) {
    throw new InitError(
      `${space.alias} is the alias of ${space.roomId}, which is a room, not a space; pick another --space-alias`,
    );
  }
  requireVersion(spaceState, space, KNOCK_SINCE, "knock");

  const children: { room: ProvisionedRoom; spec: RoomSpec; state: RoomState }[] = [];
  for (const roomSpec of spec.rooms) {
    const room = await rooms.findOrCreate(roomSpec, (localpart) => ({
      ...createBody(localpart, roomSpec, roomVersion),
      initial_state: [
        { type: "m.room.join_rules", state_key: "", content: restrictedTo(space.roomId) },
        historyVisibility(),
        { type: "m.space.parent", state_key: space.roomId, content: { via, canonical: true } },
        ...(spec.encrypted ? [encryptionState()] : []),
      ],
    }));
    report(describe("room", room));
    if (room.roomId === space.roomId) {
      throw new InitError(`${room.alias} is the space itself; a child room needs its own alias`);
    }
    const state = await rooms.state(room);
    requireVersion(state, room, RESTRICTED_SINCE, "restricted joins");
    children.push({ room, spec: roomSpec, state });
  }

  let command: { room: ProvisionedRoom; spec: RoomSpec; state: RoomState } | undefined;
  if (spec.commandRoom) {
    // Invite-only (private_chat's join rule), and not linked to the space.
    const room = await rooms.findOrCreate(spec.commandRoom, (localpart) => ({
      ...createBody(localpart, spec.commandRoom ?? spec.space, roomVersion),
      initial_state: [historyVisibility(), encryptionState()],
    }));
    report(describe("command room", room));
    command = { room, spec: spec.commandRoom, state: await rooms.state(room) };
  }

  const changes: string[] = [];
  const warnings: string[] = [];
  const apply = async (room: ProvisionedRoom, state: RoomState, plan: Plan) => {
    for (const warning of plan.warnings) warnings.push(`${room.alias}: ${warning}`);
    requirePower(state, room, botUserId, plan.changes);
    for (const change of plan.changes) {
      await api.call(
        "PUT",
        `/_matrix/client/v3/rooms/${enc(room.roomId)}/state/${enc(change.type)}/${enc(change.stateKey)}`,
        change.content,
      );
      const line = `${room.alias}: ${change.what}`;
      changes.push(line);
      report(`  ${line}`);
    }
    for (const admin of spec.admins) {
      // Only someone never in the room: a person who left or was banned is not invited back.
      if (admin === botUserId || state.content("m.room.member", admin) !== undefined) continue;
      await api.call("POST", `/_matrix/client/v3/rooms/${enc(room.roomId)}/invite`, {
        user_id: admin,
      });
      const line = `${room.alias}: invited ${admin}`;
      changes.push(line);
      report(`  ${line}`);
    }
  };
  const childIds = children.map((c) => c.room.roomId);
  await apply(space, spaceState, planSpace(spaceState, spec, { botUserId, childIds, via }));
  for (const child of children) {
    const plan = planRoom(child.state, child.spec, spec, {
      botUserId,
      spaceId: space.roomId,
      via,
    });
    await apply(child.room, child.state, plan);
  }
  if (command)
    await apply(
      command.room,
      command.state,
      planCommandRoom(command.state, command.spec, spec, { botUserId }),
    );
  return {
    space,
    rooms: children.map((c) => c.room),
    ...(command ? { commandRoom: command.room } : {}),
    changes,
    warnings,
  };
}

class CommunityRooms {
  constructor(
    private readonly api: HomeserverApi,
    private readonly botUserId: string,
    private readonly spec: CommunitySpec,
    private readonly roomVersion: string,
  ) {}

  /** The room behind the alias, joined by the bot; created (with the alias) when there is none. */
  async findOrCreate(
    room: RoomSpec,
    body: (aliasLocalpart: string) => Json,
  ): Promise<ProvisionedRoom> {
    const existing = await this.resolve(room.alias);
    if (existing !== undefined) return { alias: room.alias, roomId: existing, created: false };
    try {
      const answer = await this.api.call("POST", "/_matrix/client/v3/createRoom", {
        ...body(aliasLocalpart(room.alias)),
        power_level_content_override: initialPowerLevels(
          this.roomVersion,
          this.botUserId,
          this.spec.admins,
        ),
      });
      if (typeof answer.room_id !== "string") {
        throw new InitError(`creating ${room.alias}: the homeserver's answer has no room_id`);
      }
      return { alias: room.alias, roomId: answer.room_id, created: true };
    } catch (error) {
      // Someone (an init run alongside?) took the alias between our look and our create.
      if (!isRefusal(error, "M_ROOM_IN_USE")) throw error;
      const now = await this.resolve(room.alias);
      if (now === undefined) throw error;
      return { alias: room.alias, roomId: now, created: false };
    }
  }

  /** The room's current state, joining it first when the bot is not in it. */
  async state(room: ProvisionedRoom): Promise<RoomState> {
    const path = `/_matrix/client/v3/rooms/${enc(room.roomId)}/state`;
    const read = async () => {
      return new RoomState(await this.api.list(path));
    };
    try {
      const state = await read();
      if (state.content("m.room.member", this.botUserId)?.membership === "join") return state;
    } catch (error) {
      if (!isRefusal(error, "M_FORBIDDEN")) throw error;
    }
    try {
      await this.api.call("POST", `/_matrix/client/v3/join/${enc(room.roomId)}`, {});
    } catch (error) {
      if (!isRefusal(error)) throw error;
      throw new InitError(
        `${room.alias} is taken by room ${room.roomId}, which the bot ${this.botUserId} cannot join (${error.errcode ?? error.status}); pick another alias, or have one of its admins invite the bot and give it power level 100`,
      );
    }
    return read();
  }

  private async resolve(alias: string): Promise<string | undefined> {
    try {
      const answer = await this.api.call("GET", `/_matrix/client/v3/directory/room/${enc(alias)}`);
      return typeof answer.room_id === "string" ? answer.room_id : undefined;
    } catch (error) {
      if (isRefusal(error, "M_NOT_FOUND")) return undefined;
      throw error;
    }
  }
}

async function defaultRoomVersion(api: HomeserverApi): Promise<string | undefined> {
  try {
    const answer = await api.call("GET", "/_matrix/client/v3/capabilities");
    const versions = (answer.capabilities as Json | undefined)?.["m.room_versions"] as
      Json | undefined;
    return typeof versions?.default === "string" ? versions.default : undefined;
  } catch (error) {
    if (isRefusal(error)) return undefined; // no capabilities: our own choice will do
    throw error;
  }
}

function createBody(localpart: string, room: RoomSpec, roomVersion: string): Json {
  return {
    room_alias_name: localpart,
    name: room.name,
    ...(room.topic === undefined ? {} : { topic: room.topic }),
    room_version: roomVersion,
    preset: "private_chat",
    visibility: "private",
  };
}

function encryptionState(): Json {
  return { type: "m.room.encryption", state_key: "", content: MEGOLM };
}

function historyVisibility(): Json {
  return {
    type: "m.room.history_visibility",
    state_key: "",
    content: { history_visibility: HISTORY_VISIBILITY },
  };
}

function requireVersion(state: RoomState, room: ProvisionedRoom, since: number, what: string) {
  const version = versionNumber(state.roomVersion);
  if (version < since) {
    throw new InitError(
      `${room.alias} (${room.roomId}) has room version ${state.roomVersion}, which cannot do ${what} (needs ${since} or newer); upgrade the room or pick another alias`,
    );
  }
}

/** Refuses before sending anything the bot's power level does not allow, saying who can fix it. */
function requirePower(
  state: RoomState,
  room: ProvisionedRoom,
  botUserId: string,
  changes: readonly StateChange[],
) {
  const botLevel = state.powerLevel(botUserId);
  const denied = changes.filter((c) => state.levelFor(c.type) > botLevel);
  if (denied.length === 0) return;
  const needed = Math.max(...denied.map((c) => state.levelFor(c.type)));
  throw new InitError(
    `the bot cannot manage ${room.alias} (${room.roomId}): it is at power level ${botLevel} and ${denied.map((c) => c.type).join(", ")} needs ${needed}; have a room admin raise the bot, or pick another alias`,
  );
}

function aliasLocalpart(alias: string): string {
  return alias.slice(1, alias.indexOf(":"));
}

function describe(kind: string, room: ProvisionedRoom): string {
  return `${kind} ${room.alias} → ${room.roomId}${room.created ? " (created)" : ""}`;
}
