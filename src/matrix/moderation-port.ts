/**
 * The Matrix side of moderation on matrix-js-sdk: kick, ban and unban across
 * the space and its child rooms, power levels read and written, room members
 * for the blocklist watchdog, and policy-list rooms (joined and read).
 *
 * Decisions live in core/moderation (what content to send, who is blocked);
 * retries are the engine's: each room's outcome comes back on its own, sorted
 * by toHomeserverError into transient or final, so a retry touches only the
 * rooms that failed. Like matrix-port.ts, "already done" counts as done, but
 * only after checking the room's state.
 */
import { Method, type MatrixClient } from "matrix-js-sdk";
import { HomeserverError } from "../../core/ports.js";
import { creatorsHaveUnlimitedPower } from "../../core/moderation/power-levels.js";
import { isPolicyRuleType } from "../../core/moderation/policy-rules.js";
import { toHomeserverError } from "./errors.js";

export type RoomAction = "kick" | "ban" | "unban";

/** What happened in one room: done (or already so), or the failure to retry or report. */
export type RoomOutcome =
  | { readonly roomId: string; readonly ok: true }
  | { readonly roomId: string; readonly ok: false; readonly error: HomeserverError };

export interface RoomMember {
  readonly userId: string;
  /** join, invite, knock, leave or ban (or whatever the server says: untrusted). */
  readonly membership: string;
  /** At most 256 characters; raw text from Matrix, to be sanitized before display. */
  readonly displayName?: string;
}

/** A room's power levels as the planner (core/moderation/power-levels.ts) takes them. */
export interface RoomPowerLevelsState {
  readonly roomId: string;
  /** The current `m.room.power_levels` content; undefined when the room has none. */
  readonly content: Record<string, unknown> | undefined;
  readonly roomVersion: string;
  /** Room version 12 and later only: the creators, whose power is unlimited. */
  readonly creators?: readonly string[];
}

/** A policy-rule state event as it stands in the room; every field is the list owner's untrusted data. */
export interface PolicyRuleStateEvent {
  readonly type: string;
  readonly state_key: string;
  readonly content: unknown;
  readonly sender: string;
}

const MEMBERSHIP_AFTER: Record<RoomAction, readonly string[]> = {
  // Kicked, or gone already (or banned, which is more than asked).
  kick: ["leave", "ban"],
  ban: ["ban"],
  unban: ["leave", "join", "invite", "knock"],
};
const MAX_DISPLAY_NAME = 256;

export class SdkModerationPort {
  readonly userId: string;

  constructor(private readonly client: MatrixClient) {
    const userId = client.getUserId();
    if (!userId) throw new Error("the Matrix client has no user id");
    this.userId = userId;
  }

  /** Removes `user` from each room (they may come back); a room they are not in counts as done. */
  kick(rooms: readonly string[], user: string, reason: string): Promise<RoomOutcome[]> {
    return this.everywhere("kick", rooms, user, reason);
  }

  /** Bans `user` from each room, whether or not they are in it. */
  ban(rooms: readonly string[], user: string, reason: string): Promise<RoomOutcome[]> {
    return this.everywhere("ban", rooms, user, reason);
  }

  /** Lifts the ban in each room; a room where they are not banned counts as done. */
  unban(rooms: readonly string[], user: string, reason?: string): Promise<RoomOutcome[]> {
    return this.everywhere("unban", rooms, user, reason);
  }

  async readPowerLevels(roomId: string): Promise<RoomPowerLevelsState> {
    const [content, create] = await Promise.all([
      this.stateContent(roomId, "m.room.power_levels"),
      this.createEvent(roomId),
    ]);
    return {
      roomId,
      content,
      roomVersion: create.roomVersion,
      ...(creatorsHaveUnlimitedPower(create.roomVersion) ? { creators: create.creators } : {}),
    };
  }

  /** Sends a complete `m.room.power_levels` content (planned elsewhere); resolves with the event id. */
  async writePowerLevels(roomId: string, content: Record<string, unknown>): Promise<string> {
    if (typeof content !== "object" || content === null || Array.isArray(content)) {
      throw new HomeserverError("power levels must be a JSON object", false);
    }
    const sent = await this.call(() =>
      this.client.http.authedRequest<{ event_id: string }>(
        Method.Put,
        `/rooms/${encodeURIComponent(roomId)}/state/m.room.power_levels/`,
        undefined,
        content,
      ),
    );
    return sent.event_id;
  }

  /** Everyone the room's state names, with membership and display name. */
  async members(roomId: string): Promise<RoomMember[]> {
    const answer = await this.call(() =>
      this.client.http.authedRequest<{ chunk?: unknown }>(
        Method.Get,
        `/rooms/${encodeURIComponent(roomId)}/members`,
      ),
    );
    const members: RoomMember[] = [];
    for (const event of Array.isArray(answer.chunk) ? answer.chunk : []) {
      const { type, state_key: userId, content } = (event ?? {}) as Record<string, unknown>;
      if (type !== "m.room.member" || typeof userId !== "string") continue;
      const { membership, displayname } = (content ?? {}) as Record<string, unknown>;
      if (typeof membership !== "string") continue;
      members.push({
        userId,
        membership,
        ...(typeof displayname === "string"
          ? { displayName: displayname.slice(0, MAX_DISPLAY_NAME) }
          : {}),
      });
    }
    return members;
  }

  /** Joins a policy list by room id or alias (`via` servers help over federation); resolves with its room id. */
  async joinPolicyRoom(roomIdOrAlias: string, via: readonly string[] = []): Promise<string> {
    if (!/^[!#][^\s]{1,254}$/.test(roomIdOrAlias)) {
      throw new HomeserverError(
        `${JSON.stringify(roomIdOrAlias.slice(0, 100))} is not a room id (!…) or alias (#…:server)`,
        false,
        undefined,
        "M_INVALID_PARAM",
      );
    }
    const query = via.length > 0 ? { server_name: [...via] } : undefined;
    const joined = await this.call(() =>
      this.client.http.authedRequest<{ room_id: string }>(
        Method.Post,
        `/join/${encodeURIComponent(roomIdOrAlias)}`,
        query,
        {},
      ),
    );
    return joined.room_id;
  }

  /** The policy-rule state events (m.policy.rule.*, and the older m.room.rule.* and mjolnir names) of a joined room. */
  async readPolicyRules(roomId: string): Promise<PolicyRuleStateEvent[]> {
    const state = await this.call(() =>
      this.client.http.authedRequest<unknown>(
        Method.Get,
        `/rooms/${encodeURIComponent(roomId)}/state`,
      ),
    );
    const rules: PolicyRuleStateEvent[] = [];
    for (const event of Array.isArray(state) ? state : []) {
      const { type, state_key, content, sender } = (event ?? {}) as Record<string, unknown>;
      if (!isPolicyRuleType(type) || typeof state_key !== "string" || typeof sender !== "string") {
        continue;
      }
      rules.push({ type: type as string, state_key, content, sender });
    }
    return rules;
  }

  private async everywhere(
    action: RoomAction,
    rooms: readonly string[],
    user: string,
    reason: string | undefined,
  ): Promise<RoomOutcome[]> {
    return Promise.all(
      rooms.map(async (roomId): Promise<RoomOutcome> => {
        try {
          await this.act(action, roomId, user, reason);
          return { roomId, ok: true };
        } catch (error) {
          return { roomId, ok: false, error: toHomeserverError(error) };
        }
      }),
    );
  }

  private async act(
    action: RoomAction,
    roomId: string,
    user: string,
    reason: string | undefined,
  ): Promise<void> {
    try {
      await this.client.http.authedRequest(
        Method.Post,
        `/rooms/${encodeURIComponent(roomId)}/${action}`,
        undefined,
        { user_id: user, ...(reason ? { reason } : {}) },
      );
    } catch (error) {
      const failure = toHomeserverError(error);
      if (failure.transient) throw failure;
      // The room's word on it; if even that cannot be read, the action's own failure says most.
      const membership = await this.membership(roomId, user).catch(() => {
        throw failure;
      });
      if (MEMBERSHIP_AFTER[action].includes(membership ?? "leave")) return;
      throw new HomeserverError(
        `cannot ${action} ${user} in ${roomId} (membership ${membership ?? "none"}): ${failure.message}`,
        false,
        undefined,
        failure.errcode,
      );
    }
  }

  private async membership(roomId: string, user: string): Promise<string | undefined> {
    const content = await this.stateContent(roomId, "m.room.member", user);
    return typeof content?.membership === "string" ? content.membership : undefined;
  }

  /** A state event's content, or undefined when the room has none. */
  private async stateContent(
    roomId: string,
    type: string,
    stateKey = "",
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const content = await this.client.http.authedRequest<unknown>(
        Method.Get,
        `/rooms/${encodeURIComponent(roomId)}/state/${encodeURIComponent(type)}/${encodeURIComponent(stateKey)}`,
      );
      return isObject(content) ? content : undefined;
    } catch (error) {
      const failure = toHomeserverError(error);
      if (failure.errcode === "M_NOT_FOUND") return undefined;
      throw failure;
    }
  }

  /** The room version and, from the create event itself, its creators (sender and additional_creators). */
  private async createEvent(roomId: string): Promise<{ roomVersion: string; creators: string[] }> {
    const event = await this.call(() =>
      this.client.http.authedRequest<unknown>(
        Method.Get,
        `/rooms/${encodeURIComponent(roomId)}/state/m.room.create/`,
        { format: "event" },
      ),
    );
    // `format=event` gives the whole event; a server that ignores it gives the content alone.
    const whole = isObject(event) && isObject(event.content) ? event : undefined;
    const content = (whole?.content ?? event) as Record<string, unknown>;
    const roomVersion = typeof content.room_version === "string" ? content.room_version : "1";
    const creators = new Set<string>();
    if (typeof whole?.sender === "string") creators.add(whole.sender);
    if (Array.isArray(content.additional_creators)) {
      for (const id of content.additional_creators) if (typeof id === "string") creators.add(id);
    }
    return { roomVersion, creators: [...creators] };
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw toHomeserverError(error);
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
