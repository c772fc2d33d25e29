/**
 * The engine's MatrixPort on matrix-js-sdk. Every call is safe to repeat:
 * room creation is keyed by an alias derived from the knock, sends by a
 * transaction id, and "already invited" or "already gone" count as done —
 * but only after checking, so a ban is never mistaken for membership.
 */
import { createHash } from "node:crypto";
import { Method, Preset, Visibility, type MatrixClient } from "matrix-js-sdk";
import { HomeserverError, type MatrixPort } from "../../core/ports.js";
import { sendBotMessage } from "./bot-message.js";
import { toHomeserverError } from "./errors.js";
import type { SendBreaker } from "./send-breaker.js";

/** The power level the bot takes in rooms it makes: above any admin (100). */
export const BOT_POWER_LEVEL = 200;

export class SdkMatrixPort implements MatrixPort {
  readonly userId: string;
  /** Told of every failed homeserver call (for metrics). */
  onError: (errcode: string | undefined, transient: boolean) => void = () => undefined;
  /** Told of every invite that went out (or was already there): room history is shared then. */
  onInvited: (roomId: string, user: string) => void = () => undefined;
  private readonly serverName: string;
  private readonly lobbyAliasPrefix: string;
  private readonly aliasOf: (roomId: string) => string | undefined;
  /**
   * Vetting rooms and lobbies this process made: unencrypted, with encryption locked at the bot's
   * level, so a message there goes out plain without asking the crypto store (a store read per
   * message, most of what encryption still cost per knock). Adopted rooms are not listed.
   */
  private readonly madePlain = new Set<string>();

  constructor(
    private readonly client: MatrixClient,
    private readonly breaker: SendBreaker,
    options: {
      /** LOBBY_ALIAS_PREFIX: the start of lobby alias localparts (the reference approver's setting). */
      lobbyAliasPrefix?: string;
      /** The alias of a room the SDK does not hold (a vetting room, see vetting-room-sync.ts). */
      aliasOf?: (roomId: string) => string | undefined;
    } = {},
  ) {
    this.lobbyAliasPrefix = options.lobbyAliasPrefix ?? DEFAULT_LOBBY_ALIAS_PREFIX;
    this.aliasOf = options.aliasOf ?? (() => undefined);
    const userId = client.getUserId();
    if (!userId) throw new Error("the Matrix client has no user id");
    this.userId = userId;
    // A user id's server part is everything after the first colon (it may carry a port).
    this.serverName = userId.slice(userId.indexOf(":") + 1);
  }

  async createVettingRoom(req: {
    key: string;
    user: string;
    name: string;
    topic: string;
  }): Promise<string> {
    const aliasLocalpart = vettingAliasLocalpart(req.key);
    const made = await this.createOrAdoptVettingRoom(req, aliasLocalpart);
    if (made !== undefined) return made;
    // A homeserver killed in the middle of createRoom can leave the alias on a room the bot never
    // joined (as can someone who took the alias first): a second alias, as adoptable, names a new room.
    const second = await this.createOrAdoptVettingRoom(req, `${aliasLocalpart}-2`);
    if (second !== undefined) return second;
    throw new HomeserverError(
      `both vetting room aliases for ${req.key} name rooms the bot is not in`,
      false,
    );
  }

  /** The room made under this alias (now or before a crash); undefined when the alias names a room the bot is not in. */
  private async createOrAdoptVettingRoom(
    req: { user: string; name: string; topic: string },
    aliasLocalpart: string,
  ): Promise<string | undefined> {
    try {
      const { room_id } = await this.client.createRoom({
        preset: Preset.PrivateChat,
        visibility: Visibility.Private,
        room_alias_name: aliasLocalpart,
        name: req.name,
        topic: req.topic,
        invite: [req.user],
        initial_state: [
          {
            type: "m.room.history_visibility",
            state_key: "",
            content: { history_visibility: "shared" },
          },
          { type: "m.room.guest_access", state_key: "", content: { guest_access: "forbidden" } },
        ],
        power_level_content_override: vettingRoomPowerLevels(this.userId),
        // Marks the room from its first event on, so that its very first /sync answer already
        // bypasses the SDK (vetting-room-sync.ts), before this answer is even read.
        creation_content: { [VETTING_ROOM_MARK]: true },
      });
      this.madePlain.add(room_id);
      return room_id;
    } catch (error) {
      if (!isErrcode(error, "M_ROOM_IN_USE")) throw this.failure(error);
    }
    // Made before a crash or a lost response: adopt it, and make sure the invite went out.
    const alias = `#${aliasLocalpart}:${this.serverName}`;
    const roomId = await this.call(
      async () => (await this.client.getRoomIdForAlias(alias)).room_id,
    );
    if ((await this.membership(roomId, this.userId)) !== "join") return undefined;
    await this.invite(roomId, req.user);
    return roomId;
  }

  /**
   * A lobby room: anyone with the alias may join (join rule public), but it is not
   * published in the room directory; unencrypted, with encryption locked at the bot's level.
   */
  async createLobbyRoom(req: {
    key: string;
    name: string;
    topic: string;
  }): Promise<{ roomId: string; alias: string }> {
    const aliasLocalpart = lobbyAliasLocalpart(req.key, this.lobbyAliasPrefix);
    const alias = `#${aliasLocalpart}:${this.serverName}`;
    try {
      const { room_id } = await this.client.createRoom({
        preset: Preset.PublicChat,
        visibility: Visibility.Private,
        room_alias_name: aliasLocalpart,
        name: req.name,
        topic: req.topic,
        initial_state: [
          // Newcomers see what was said since they joined, not earlier people's tries.
          {
            type: "m.room.history_visibility",
            state_key: "",
            content: { history_visibility: "joined" },
          },
          { type: "m.room.guest_access", state_key: "", content: { guest_access: "forbidden" } },
        ],
        power_level_content_override: vettingRoomPowerLevels(this.userId),
      });
      this.madePlain.add(room_id);
      return { roomId: room_id, alias };
    } catch (error) {
      if (!isErrcode(error, "M_ROOM_IN_USE")) throw this.failure(error);
    }
    // Made before a crash or a lost response: adopt it.
    const roomId = await this.call(
      async () => (await this.client.getRoomIdForAlias(alias)).room_id,
    );
    return { roomId, alias };
  }

  async invite(roomId: string, user: string): Promise<void> {
    await this.inviteOnce(roomId, user);
    this.onInvited(roomId, user);
  }

  private async inviteOnce(roomId: string, user: string): Promise<void> {
    try {
      // Not client.invite: with encryption on it shares the room's history first and fails the
      // invite when that fails; anteroom shares it afterwards, best effort (onInvited).
      await this.client.http.authedRequest(
        Method.Post,
        `/rooms/${encodeURIComponent(roomId)}/invite`,
        undefined,
        { user_id: user },
      );
    } catch (error) {
      const failure = this.failure(error);
      if (failure.transient) throw failure;
      const membership = await this.membership(roomId, user);
      if (membership === "invite" || membership === "join") return;
      throw new HomeserverError(
        `cannot invite ${user} to ${roomId} (membership ${membership ?? "none"}): ${failure.message}`,
        false,
        undefined,
        failure.errcode,
      );
    }
  }

  async kick(roomId: string, user: string, reason: string): Promise<void> {
    try {
      await this.client.kick(roomId, user, reason);
    } catch (error) {
      const failure = this.failure(error);
      if (failure.transient) throw failure;
      const membership = await this.membership(roomId, user);
      if (membership === undefined || membership === "leave" || membership === "ban") return;
      throw failure;
    }
  }

  async withdrawInvite(roomId: string, user: string, reason: string): Promise<boolean> {
    // The homeserver's state, not the sync cache: a stale "invite" must not kick someone who joined.
    if ((await this.membership(roomId, user)) !== "invite") return false;
    await this.kick(roomId, user, reason);
    return true;
  }

  async sendText(roomId: string, text: string, txnId: string, mention?: string): Promise<void> {
    await this.breaker.admit(roomId);
    // Encrypted in an encrypted room (the welcome room may be); vetting rooms and lobbies are not.
    await this.call(() =>
      sendBotMessage(
        this.client,
        roomId,
        txnId,
        { msgtype: "m.text", body: text, ...(mention === undefined ? {} : { mention }) },
        { plain: this.madePlain.has(roomId) },
      ),
    );
  }

  async leaveAndForget(roomId: string): Promise<void> {
    const alias = await this.canonicalAlias(roomId);
    if (
      alias?.startsWith(`#${VETTING_ALIAS_PREFIX}`) ||
      alias?.startsWith(`#${this.lobbyAliasPrefix}`)
    ) {
      // The alias only served to find the room again after a crash; free it.
      await this.call(() => this.client.deleteAlias(alias)).catch((error: HomeserverError) => {
        if (error.transient) throw error;
      });
    }
    try {
      await this.client.leave(roomId);
    } catch (error) {
      const failure = this.failure(error);
      if (failure.transient) throw failure;
      // Not in the room any more: forgetting is all that is left.
    }
    await this.call(() => this.client.forget(roomId, true));
    this.breaker.forgetRoom(roomId);
    this.madePlain.delete(roomId);
  }

  /**
   * A room's alias: from the SDK's room, or for a vetting room the SDK never saw
   * (vetting-room-sync.ts) as that saw it; after a restart, which that does not outlive, from the
   * homeserver.
   */
  private async canonicalAlias(roomId: string): Promise<string | undefined> {
    const room = this.client.getRoom(roomId);
    if (room) return room.getCanonicalAlias() ?? undefined;
    const kept = this.aliasOf(roomId);
    if (kept !== undefined) return kept;
    try {
      const content = await this.client.getStateEvent(roomId, "m.room.canonical_alias", "");
      return typeof content.alias === "string" ? content.alias : undefined;
    } catch (error) {
      const failure = this.failure(error);
      if (failure.transient) throw failure;
      return undefined;
    }
  }

  private async membership(roomId: string, user: string): Promise<string | undefined> {
    try {
      const content = await this.client.getStateEvent(roomId, "m.room.member", user);
      return typeof content.membership === "string" ? content.membership : undefined;
    } catch (error) {
      const failure = this.failure(error);
      if (failure.transient) throw failure;
      return undefined;
    }
  }

  /** Sorts a failed call and reports it. */
  private failure(error: unknown): HomeserverError {
    const failure = toHomeserverError(error);
    this.onError(failure.errcode, failure.transient);
    return failure;
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.failure(error);
    }
  }
}

/** Power levels of a vetting room: the bot above everyone; nobody else may switch encryption on (the bot must read the replies). */
export function vettingRoomPowerLevels(botUserId: string) {
  const bot = BOT_POWER_LEVEL;
  return {
    users: { [botUserId]: bot },
    users_default: 0,
    events: {
      "m.room.encryption": bot,
      "m.room.power_levels": bot,
      "m.room.name": bot,
      "m.room.topic": bot,
      "m.room.join_rules": bot,
      "m.room.history_visibility": bot,
      "m.room.tombstone": bot,
      "m.room.server_acl": bot,
    },
    state_default: bot,
    invite: bot,
    kick: bot,
    ban: bot,
    redact: bot,
  };
}

/** A room alias localpart derived from the knock's event id: the same knock always names the same room. */
/** The start of every vetting room's alias localpart. */
export const VETTING_ALIAS_PREFIX = "anteroom-vet-";

/** A key in the m.room.create content of the vetting rooms anteroom makes. */
export const VETTING_ROOM_MARK = "anteroom.vetting_room";

export function vettingAliasLocalpart(key: string): string {
  return `${VETTING_ALIAS_PREFIX}${createHash("sha256").update(key).digest("hex").slice(0, 24)}`;
}

export const DEFAULT_LOBBY_ALIAS_PREFIX = "anteroom-lobby-";

/** A lobby's alias localpart, derived from its key: a retried creation finds the same room. */
export function lobbyAliasLocalpart(key: string, prefix = DEFAULT_LOBBY_ALIAS_PREFIX): string {
  return `${prefix}${createHash("sha256").update(key).digest("hex").slice(0, 24)}`;
}

function isErrcode(error: unknown, errcode: string): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { errcode?: unknown }).errcode === errcode
  );
}
