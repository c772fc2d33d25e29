/**
 * Feeds what the bot's sync sees to the engine: after every sync batch the
 * space's pending knocks and the members of every lobby room (level-triggered:
 * the whole lists, not the changes), and every message in a room as it arrives.
 */
import {
  ClientEvent,
  RoomEvent,
  SyncState,
  type MatrixClient,
  type MatrixEvent,
  type Room,
} from "matrix-js-sdk";
import type { Engine } from "../../core/engine/engine.js";
import type { KnockSeen, SpaceSnapshot } from "../../core/engine/inputs.js";
import type { BotClient } from "./client.js";

export interface SyncHealth {
  /** The first sync batch has been processed and reconciled. */
  ready: boolean;
  lastSyncAt: number;
  state: string;
}

export interface SpaceWatchEvents {
  onError(error: unknown, what: string): void;
  /** The sync loop lost or regained the homeserver. */
  onConnectivity(reachable: boolean, state: string): void;
}

const UNREACHABLE: ReadonlySet<string> = new Set([SyncState.Error, SyncState.Reconnecting]);

export function watchSpace(
  bot: Pick<BotClient, "client" | "vettingRooms">,
  engine: Engine,
  spaceId: string,
  events: SpaceWatchEvents,
): SyncHealth {
  const { client } = bot;
  const health: SyncHealth = { ready: false, lastSyncAt: 0, state: "STOPPED" };
  const onError = events.onError;
  // Vetting rooms never reach the SDK: their messages come straight from the /sync answers.
  bot.vettingRooms.attach({
    isVettingRoom: (roomId) => engine.isVettingRoom(roomId),
    onMessage: (message) =>
      void engine.onMessage(message).catch((error: unknown) => onError(error, "message")),
    // Any failure but "no such member" fails the sync answer, which the SDK then fetches again.
    displayNameOf: async (roomId, user) => {
      try {
        const name: unknown = (await client.getStateEvent(roomId, "m.room.member", user))
          .displayname;
        return typeof name === "string" ? name : undefined;
      } catch (error) {
        if ((error as { httpStatus?: unknown }).httpStatus === 404) return undefined;
        throw error;
      }
    },
  });
  // Who stopped being a member of a room in the sync answer being processed (room → users).
  let leftInBatch = new Map<string, Set<string>>();
  client.on(ClientEvent.Sync, (state: SyncState, _previous, data) => {
    if (UNREACHABLE.has(state) !== UNREACHABLE.has(health.state))
      events.onConnectivity(!UNREACHABLE.has(state), state);
    health.state = state;
    if (state !== SyncState.Prepared && state !== SyncState.Syncing) return;
    const left = leftInBatch;
    leftInBatch = new Map();
    // The restored cache may be older than our records; reconcile against the homeserver's answer only.
    if (data?.fromCache) return;
    health.lastSyncAt = Date.now();
    if (left.size > 0) {
      // Someone who left and came back within one answer is shown gone first, as two answers would.
      engine
        .reconcileLobbies((roomId) => {
          const gone = left.get(roomId);
          const joined = joinedMembers(client, roomId);
          return gone ? joined?.filter((user) => !gone.has(user)) : joined;
        })
        .catch((error: unknown) => onError(error, "reconcile lobbies"));
    }
    engine
      .reconcileLobbies((roomId) => joinedMembers(client, roomId))
      .catch((error: unknown) => onError(error, "reconcile lobbies"));
    const space = client.getRoom(spaceId);
    if (!space) {
      onError(new Error(`the bot is not joined to the space ${spaceId}`), "reconcile");
      return;
    }
    engine.reconcileSpace(spaceSnapshot(space)).then(
      () => {
        health.ready = true;
      },
      (error: unknown) => onError(error, "reconcile"),
    );
  });
  client.on(
    RoomEvent.Timeline,
    (event: MatrixEvent, room: Room | undefined, toStartOfTimeline: boolean | undefined) => {
      if (toStartOfTimeline || !room) return;
      if (event.getType() === "m.room.member") {
        const user = event.getStateKey();
        if (user && event.getContent().membership !== "join") {
          const users = leftInBatch.get(room.roomId) ?? new Set<string>();
          leftInBatch.set(room.roomId, users.add(user));
        }
        return;
      }
      if (event.getType() !== "m.room.message") return;
      const content = event.getContent();
      const eventId = event.getId();
      const sender = event.getSender();
      if (typeof content.body !== "string" || !eventId || !sender) return;
      engine
        .onMessage({
          roomId: room.roomId,
          eventId,
          sender,
          body: content.body,
          displayName: displayNameOf(room, sender),
          sentAt: event.getTs(),
        })
        .catch((error: unknown) => onError(error, "message"));
    },
  );
  return health;
}

export function spaceSnapshot(space: Room): SpaceSnapshot {
  const knocks: KnockSeen[] = [];
  for (const member of space.getMembersWithMembership("knock")) {
    const event = member.events.member;
    const key = event?.getId();
    if (!event || !key) continue;
    const content = event.getContent();
    const displayName = typeof content.displayname === "string" ? content.displayname : undefined;
    knocks.push({
      key,
      user: member.userId,
      reason: typeof content.reason === "string" ? content.reason : "",
      ts: event.getTs(),
      ...(displayName === undefined ? {} : { displayName }),
    });
  }
  return {
    knocks,
    membershipOf: (user) => space.getMember(user)?.membership,
    // For the welcome: the name the person chose, as the space's state shows it (data, not markup).
    displayNameOf: (user) => displayNameOf(space, user),
  };
}

/** Who is joined to a room as the bot's sync shows it; undefined while the bot is not in it. */
export function joinedMembers(client: MatrixClient, roomId: string): string[] | undefined {
  const room = client.getRoom(roomId);
  if (room?.getMyMembership() !== "join") return undefined;
  return room.getMembersWithMembership("join").map((member) => member.userId);
}

function displayNameOf(room: Room, user: string): string | undefined {
  const name: unknown = room.getMember(user)?.events.member?.getContent().displayname;
  return typeof name === "string" ? name : undefined;
}
