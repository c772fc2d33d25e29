/**
 * The vetting rooms' part of each /sync answer, taken out before matrix-js-sdk sees it.
 *
 * Why: the SDK builds a full room model for every room it syncs (a Room with two RoomStates, their
 * members, every event wrapped, the emitters between them) and the sync snapshot keeps a copy:
 * about 60 KB of heap per open vetting room, most of the daemon's growth during a burst of knocks,
 * and most of the SDK's work per knock. Of a vetting room the engine needs only the newcomer's
 * messages (with the name they go by) and, to free the room's alias when it closes, that alias.
 * So those are read here from the raw answer and the room is removed from it; the SDK never
 * knows the room, and neither does the snapshot or the crypto (vetting rooms are never encrypted).
 *
 * Which rooms: those the engine has a vetting record for, and those whose create event carries
 * the mark anteroom gives its vetting rooms (a room's first answer, its creation in one or more
 * parts, usually arrives before createRoom's own answer, so before the engine can know the room).
 * A room the SDK already knows (from a snapshot written before this change, say) stays with the
 * SDK for good, so that no room is ever half in one and half in the other. Lobbies stay with the SDK: their membership is
 * read from its room model.
 */
import type { RoomMessage } from "../../core/engine/inputs.js";
import { VETTING_ROOM_MARK } from "./matrix-port.js";
import { isSyncRequest } from "./sync-pacing.js";

interface RawEvent {
  readonly type?: unknown;
  readonly state_key?: unknown;
  readonly sender?: unknown;
  readonly event_id?: unknown;
  readonly origin_server_ts?: unknown;
  readonly content?: Record<string, unknown>;
}

interface RawRoom {
  readonly state?: { readonly events?: readonly RawEvent[] };
  readonly timeline?: { readonly events?: readonly RawEvent[] };
}

interface RawSync {
  rooms?: { join?: Record<string, RawRoom>; leave?: Record<string, RawRoom> };
}

/** What is kept of a vetting room between answers: its alias and who goes by which name. */
interface KeptRoom {
  alias?: string;
  /** A member's display name; undefined for one who has none. */
  readonly names: Map<string, string | undefined>;
}

export interface VettingRoomReader {
  /** Whether the engine holds a vetting record for the room. */
  readonly isVettingRoom: (roomId: string) => boolean;
  /** A message in a vetting room, as space-watch.ts hands the engine those the SDK sees. */
  readonly onMessage: (message: RoomMessage) => void;
  /**
   * A member's display name as the homeserver has it: for a sender whose member event came before
   * this process started (what is kept here does not outlive it), since the judge may require one.
   */
  readonly displayNameOf: (roomId: string, user: string) => Promise<string | undefined>;
}

export class VettingRoomSync {
  private reader: VettingRoomReader | undefined;
  private readonly rooms = new Map<string, KeptRoom>();

  /** `sdkKnows`: whether the SDK already has the room. */
  constructor(private readonly sdkKnows: (roomId: string) => boolean) {}

  /** From now on vetting rooms are taken out of the answers; until then the SDK gets every room. */
  attach(reader: VettingRoomReader): void {
    this.reader = reader;
  }

  /** The canonical alias of a vetting room taken out of the answers, once seen. */
  aliasOf(roomId: string): string | undefined {
    return this.rooms.get(roomId)?.alias;
  }

  /** Wraps the SDK's fetch: a /sync answer's JSON comes without the vetting rooms. */
  syncFetch(fetchFn: typeof globalThis.fetch): typeof globalThis.fetch {
    return async (input, init) => {
      const response = await fetchFn(input, init);
      if (!response.ok || !isSyncRequest(input)) return response;
      const json = response.json.bind(response);
      return Object.assign(response, {
        json: async () => {
          const body = (await json()) as RawSync;
          await this.take(body);
          return body;
        },
      });
    };
  }

  /** Removes the vetting rooms from a /sync answer and hands their messages to the engine. */
  async take(body: RawSync): Promise<void> {
    const reader = this.reader;
    if (!reader) return;
    for (const section of ["join", "leave"] as const) {
      const rooms = body.rooms?.[section];
      if (!rooms) continue;
      for (const [roomId, room] of Object.entries(rooms)) {
        if (this.sdkKnows(roomId)) continue;
        if (!this.rooms.has(roomId) && (!isVetting(roomId, room, reader) || encrypted(room)))
          continue;
        delete rooms[roomId];
        await this.read(roomId, room, reader);
        // The bot has left: nothing more comes from the room.
        if (section === "leave") this.rooms.delete(roomId);
      }
    }
  }

  private async read(roomId: string, room: RawRoom, reader: VettingRoomReader): Promise<void> {
    let kept = this.rooms.get(roomId);
    if (!kept) this.rooms.set(roomId, (kept = { names: new Map() }));
    for (const event of eventsOf(room)) {
      const content = event.content ?? {};
      if (event.type === "m.room.canonical_alias" && typeof content.alias === "string") {
        kept.alias = content.alias;
      } else if (event.type === "m.room.member" && typeof event.state_key === "string") {
        const name = content.displayname;
        kept.names.set(event.state_key, typeof name === "string" ? name : undefined);
      }
    }
    for (const event of room.timeline?.events ?? []) {
      const content = event.content ?? {};
      if (event.type !== "m.room.message" || event.state_key !== undefined) continue;
      if (typeof content.body !== "string") continue;
      if (typeof event.event_id !== "string" || typeof event.sender !== "string") continue;
      if (!kept.names.has(event.sender))
        kept.names.set(event.sender, await reader.displayNameOf(roomId, event.sender));
      reader.onMessage({
        roomId,
        eventId: event.event_id,
        sender: event.sender,
        body: content.body,
        displayName: kept.names.get(event.sender),
        ...(typeof event.origin_server_ts === "number" ? { sentAt: event.origin_server_ts } : {}),
      });
    }
  }
}

/** A room with a vetting record, or made as one (its create event says so). */
function isVetting(roomId: string, room: RawRoom, reader: VettingRoomReader): boolean {
  return (
    reader.isVettingRoom(roomId) ||
    eventsOf(room).some(
      (event) => event.type === "m.room.create" && event.content?.[VETTING_ROOM_MARK] === true,
    )
  );
}

/**
 * An encrypted room stays with the SDK, which decrypts: anteroom's vetting rooms never are (their
 * power levels keep encryption the bot's call), a room carried over from the reference might be.
 */
function encrypted(room: RawRoom): boolean {
  return eventsOf(room).some((event) => event.type === "m.room.encryption");
}

function eventsOf(room: RawRoom): RawEvent[] {
  return [...(room.state?.events ?? []), ...(room.timeline?.events ?? [])];
}
