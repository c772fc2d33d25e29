/**
 * Kick, ban and unban across the space and its child rooms: the one service
 * the operator room, the admin API and the console all use. The request is
 * checked first (a valid user ID, never the bot itself, a one-line reason of
 * at most 1000 characters, and for a chat operator a target below them in
 * every room): a wrong one sends nothing. Otherwise each room is
 * acted on (SdkModerationPort counts "already so" as done, so a repeat is
 * safe), each room's outcome comes back, and `user_kicked|user_banned|
 * user_unbanned` is audited with who asked through what.
 */
import type { AuditSink } from "../../core/ports.js";
import { hasControlCharacters } from "../../core/chat-commands/matrix-ids.js";
import { isUserId } from "../../core/moderation/matrix-ids.js";
import { outOfReachReason, roomsOutOfReach } from "../../core/moderation/reach.js";
import type { SdkModerationPort } from "../matrix/moderation-port.js";
import type { MemberAction, RoomMemberResult } from "../../core/moderation-api.js";
import { readRoomPowerLevels } from "./room-power-levels.js";

export const MEMBER_ACTIONS: readonly MemberAction[] = ["kick", "ban", "unban"];
export const MAX_MEMBER_ACTION_REASON = 1000;

export type MemberActionsPort = Pick<
  SdkModerationPort,
  "userId" | "kick" | "ban" | "unban" | "readPowerLevels"
>;

export interface MemberActionDeps {
  readonly port: MemberActionsPort;
  /** The space first, then its child rooms. */
  readonly rooms: readonly string[];
  readonly audit: Pick<AuditSink, "append">;
  readonly now: () => number;
}

export interface MemberActionOptions {
  readonly reason?: string;
  /** Who asked: a Matrix user in chat, the actor header in the admin API, the moderator's name in the console. */
  readonly by: string;
  /** Through what: "chat", "admin-api", "console". */
  readonly via: string;
  /**
   * The asker's reach (a chat operator's power level): they act only on people below it in
   * every room. Unlimited when absent (the admin API and the console hold the data dir).
   */
  readonly authority?: number;
}

export type MemberActionResult =
  /** Nothing was sent: the request itself is wrong. */
  | { readonly ok: false; readonly reason: string }
  | {
      readonly ok: true;
      readonly action: MemberAction;
      readonly user: string;
      readonly rooms: readonly RoomMemberResult[];
    };

export interface MemberActionService {
  act(
    action: MemberAction,
    user: string,
    options: MemberActionOptions,
  ): Promise<MemberActionResult>;
}

const PAST: Record<MemberAction, string> = { kick: "kicked", ban: "banned", unban: "unbanned" };

export function memberActionService(deps: MemberActionDeps): MemberActionService {
  return {
    async act(action, user, options) {
      const refusal = checkRequest(deps.port.userId, action, user, options.reason);
      if (refusal) return { ok: false, reason: refusal };
      const reach = await roomsInReach(deps, user, options.authority);
      if (!reach.ok) return reach;
      const outcomes =
        reach.rooms.length === 0
          ? []
          : await deps.port[action](reach.rooms, user, options.reason ?? "");
      const acted = outcomes.map((o): RoomMemberResult =>
        o.ok
          ? { roomId: o.roomId, outcome: "done" }
          : {
              roomId: o.roomId,
              outcome: "failed",
              reason: o.error.message,
              transient: o.error.transient,
            },
      );
      const byRoom = new Map([...acted, ...reach.unreadable].map((r) => [r.roomId, r]));
      const rooms = deps.rooms.flatMap((roomId) => byRoom.get(roomId) ?? []);
      const failed = rooms.filter((r) => r.outcome === "failed").map((r) => r.roomId);
      await deps.audit.append({
        ts: deps.now() / 1000,
        type: `user_${PAST[action]}`,
        user,
        by: options.by,
        via: options.via,
        ...(options.reason === undefined ? {} : { reason: options.reason }),
        rooms: rooms.filter((r) => r.outcome === "done").map((r) => r.roomId),
        ...(failed.length > 0 ? { failed } : {}),
      });
      return { ok: true, action, user, rooms };
    },
  };
}

/**
 * The rooms to act in: all of them for an unlimited asker; otherwise the ones whose power levels
 * could be read (the others are reported as failed), and none at all when the target is not
 * below the asker in one of them.
 */
async function roomsInReach(
  deps: MemberActionDeps,
  user: string,
  authority: number | undefined,
): Promise<
  | { ok: true; rooms: readonly string[]; unreadable: readonly RoomMemberResult[] }
  | { ok: false; reason: string }
> {
  // Unlimited: nothing to check, so no power levels to read.
  if (authority === undefined || authority === Number.POSITIVE_INFINITY)
    return { ok: true, rooms: deps.rooms, unreadable: [] };
  const { read, unreadable } = await readRoomPowerLevels(deps.port, deps.rooms);
  const outOfReach = roomsOutOfReach(authority, user, read);
  if (outOfReach.length > 0)
    return { ok: false, reason: outOfReachReason(user, authority, outOfReach) };
  return { ok: true, rooms: read.map((r) => r.roomId), unreadable };
}

function checkRequest(
  botUserId: string,
  action: MemberAction,
  user: string,
  reason: string | undefined,
): string | undefined {
  if (!isUserId(user)) {
    return `${JSON.stringify(String(user).slice(0, 300))} is not a valid user ID (expected @name:server, at most 255 characters)`;
  }
  if (user === botUserId) return `anteroom does not ${action} itself`;
  if (
    reason !== undefined &&
    (reason.length > MAX_MEMBER_ACTION_REASON || hasControlCharacters(reason))
  ) {
    return `a reason is one line of at most ${MAX_MEMBER_ACTION_REASON} characters`;
  }
  return undefined;
}

/** Whether every room ended as asked (done, or already so). */
export function memberActionComplete(result: MemberActionResult): boolean {
  return result.ok && result.rooms.every((r) => r.outcome === "done");
}

/** What to say when every room failed for a transient reason: the homeserver could not be reached. */
export function homeserverUnreachable(result: MemberActionResult): string | undefined {
  if (!result.ok || result.rooms.length === 0) return undefined;
  const [first] = result.rooms;
  if (!result.rooms.every((r) => r.outcome === "failed" && r.transient)) return undefined;
  return `the homeserver did not answer; try again${first?.outcome === "failed" ? `: ${first.reason}` : ""}`;
}

/** What a moderator reads in the console: the summary, or what went wrong (the same attached and in-process). */
export function memberActionOutcome(
  result: MemberActionResult,
): { ok: true; summary: string } | { ok: false; error: string } {
  const unreachable = homeserverUnreachable(result);
  if (unreachable) return { ok: false, error: unreachable };
  const text = describeMemberAction(result);
  return memberActionComplete(result) ? { ok: true, summary: text } : { ok: false, error: text };
}

/** One line for a chat reply or the console: how many rooms, and why a room failed. */
export function describeMemberAction(result: MemberActionResult): string {
  if (!result.ok) return result.reason;
  const done = result.rooms.filter((r) => r.outcome === "done").length;
  const summary = `${PAST[result.action]} ${result.user} in ${done} of ${result.rooms.length} rooms`;
  const problems = result.rooms.flatMap((r) =>
    r.outcome === "failed" ? [`${r.roomId}: ${r.reason}`] : [],
  );
  return problems.length === 0 ? summary : `${summary}; ${problems.join("; ")}`;
}
