/**
 * The watchdog: every WATCHDOG_INTERVAL_SEC it checks who is in the space and
 * its child rooms (joined or invited) against the screening, and acts per
 * WATCHDOG_ACTION: report (an audit record and a notice to
 * OPERATOR_NOTIFY_ROOM), kick or ban across the community's rooms.
 *
 * It never acts on the bot, nor on anyone at or above the operators' power
 * level (ADMIN_PL_THRESHOLD) in any of those rooms: moderators are the ones
 * who fix a wrong entry, so a blocklist mistake must not remove them. A guess
 * by edit distance is only reported, whatever the action: a member already in
 * is not removed on a resemblance. Each person is flagged once per change of
 * why they are caught, not on every pass (in memory: a restart flags again once).
 */
import type { ScreenHit, Screen } from "../../core/moderation/screening.js";
import { denyReasons } from "../../core/challenge/messages.js";
import type { AuditSink, Log } from "../../core/ports.js";
import type { RoomMember, RoomOutcome, SdkModerationPort } from "../matrix/moderation-port.js";

export const WATCHDOG_ACTIONS = ["report", "kick", "ban"] as const;
export type WatchdogAction = (typeof WATCHDOG_ACTIONS)[number];

export interface WatchdogDeps {
  readonly port: Pick<SdkModerationPort, "members" | "kick" | "ban" | "readPowerLevels" | "userId">;
  readonly screen: Screen;
  readonly rooms: readonly string[];
  readonly action: WatchdogAction;
  /** Members at or above this level in any of the rooms are never acted on. */
  readonly protectedLevel: number;
  readonly audit: Pick<AuditSink, "append">;
  readonly log: Log;
  /** A notice to the operators (OPERATOR_NOTIFY_ROOM, through the send breaker), when set. */
  readonly notify?: (text: string) => Promise<void>;
  readonly now?: () => number;
}

const PRESENT = new Set(["join", "invite"]);

export class Watchdog {
  /** Who was flagged, and why: the same reason is not flagged again. */
  private readonly flagged = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: WatchdogDeps) {}

  /** Checks every `intervalMs`; 0 turns the watchdog off. */
  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => void this.check(), intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over the rooms; a pass already under way is joined, not doubled. */
  check(): Promise<void> {
    this.running ??= this.pass()
      .catch((error: unknown) =>
        this.deps.log.error({ err: error }, "the watchdog's pass over the members failed"),
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async pass(): Promise<void> {
    const { port, rooms } = this.deps;
    const present = new Map<string, RoomMember>();
    for (const roomId of rooms) {
      for (const member of await port.members(roomId)) {
        if (PRESENT.has(member.membership) && !present.has(member.userId))
          present.set(member.userId, member);
      }
    }
    const hits = new Map<string, ScreenHit>();
    for (const [userId, member] of present) {
      if (userId === port.userId) continue;
      const hit = this.deps.screen({ userId, displayName: member.displayName });
      if (hit) hits.set(userId, hit);
    }
    for (const user of [...this.flagged.keys()]) if (!hits.has(user)) this.flagged.delete(user);
    const fresh = [...hits].filter(([user, hit]) => this.flagged.get(user) !== hit.explanation);
    if (fresh.length === 0) return;
    const protectedUsers = await this.protectedAmong(fresh.map(([user]) => user));
    for (const [user, hit] of fresh) {
      if (protectedUsers.has(user)) {
        this.flagged.set(user, hit.explanation);
        this.deps.log.warn(
          { user, explanation: hit.explanation },
          "the watchdog leaves a blocked operator alone; check the blocklist entry",
        );
        continue;
      }
      if (await this.act(user, hit)) this.flagged.set(user, hit.explanation);
    }
  }

  /** Acts on one person; false when the action failed somewhere (tried again next pass). */
  private async act(user: string, hit: ScreenHit): Promise<boolean> {
    const action: WatchdogAction = hit.guess ? "report" : this.deps.action;
    let outcomes: RoomOutcome[] = [];
    if (action !== "report") {
      const how = action === "kick" ? this.deps.port.kick : this.deps.port.ban;
      outcomes = await how.call(this.deps.port, this.deps.rooms, user, denyReasons.blocked);
    }
    const failed = outcomes.filter((o) => !o.ok).map((o) => o.roomId);
    await this.deps.audit.append({
      ts: (this.deps.now ?? Date.now)() / 1000,
      type: "watchdog_hit",
      user,
      source: hit.source,
      explanation: hit.explanation,
      action,
      ...(failed.length > 0 ? { failed_rooms: failed } : {}),
    });
    const done = action === "report" ? "reported" : action === "kick" ? "removed" : "banned";
    const text = `watchdog: ${user} ${failed.length > 0 ? `could not be ${done} everywhere` : done} — ${hit.explanation}`;
    this.deps.log.warn({ user, action, failedRooms: failed }, "watchdog: a blocked member");
    await this.deps
      .notify?.(text)
      .catch((error: unknown) =>
        this.deps.log.warn({ err: error }, "could not notify the operators of a watchdog hit"),
      );
    return failed.length === 0;
  }

  /** Those of `users` at or above the protected level (or creators) in any of the rooms. */
  private async protectedAmong(users: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const roomId of this.deps.rooms) {
      const levels = await this.deps.port.readPowerLevels(roomId);
      const content = levels.content ?? {};
      const table = isRecord(content.users) ? content.users : {};
      const usersDefault = typeof content.users_default === "number" ? content.users_default : 0;
      for (const user of users) {
        const level = typeof table[user] === "number" ? table[user] : usersDefault;
        if (level >= this.deps.protectedLevel || levels.creators?.includes(user)) found.add(user);
      }
    }
    return found;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
