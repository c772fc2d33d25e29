/**
 * `!held`, `!approve` and `!reject` from chat: what waits for a moderator
 * (core/moderation/triage.ts, the same list as the console's Triage view), and which
 * knock a user ID names. An on-call moderator on a phone decides from here.
 */
import { formatDistanceStrict } from "date-fns/formatDistanceStrict"; // not the index: see ui/format/time.ts
import { troubles, type Trouble, type TroubleKind } from "../moderation/triage.js";
import type { PendingInvite } from "../admission/invites.js";
import type { LobbyRecord } from "../lobby/record.js";
import { ACTIVE_PHASES, type VettingRecord } from "../vetting/record.js";
import { OVERRIDABLE_PHASES } from "../vetting/commands.js";

/** What a moderator decides: knocks and form requests held, passes paused by a join wave, effects given up. */
const WAITING: readonly TroubleKind[] = ["failed", "held", "awaiting"];
/** A reply stays readable on a phone: the oldest this many, then a count. */
export const HELD_LISTED = 20;

export function waitingForModerator(
  records: readonly VettingRecord[],
  lobbies: readonly LobbyRecord[],
  invites: readonly PendingInvite[],
  now: number,
): Trouble[] {
  return troubles(records, lobbies, invites, now).filter((t) => WAITING.includes(t.kind));
}

export function heldReply(waiting: readonly Trouble[], now: number): string {
  if (waiting.length === 0) return "nothing waits for a moderator.";
  const lines = waiting.slice(0, HELD_LISTED).map((trouble) => `• ${heldLine(trouble, now)}`);
  const more = waiting.length - HELD_LISTED;
  return [
    `${waiting.length} waiting for a moderator:`,
    ...lines,
    ...(more > 0 ? [`… and ${more} more (the console's Triage view lists them all)`] : []),
  ].join("\n");
}

function heldLine(trouble: Trouble, now: number): string {
  const ago = formatDistanceStrict(trouble.since, now, { addSuffix: true });
  const { record, lobby } = trouble.subject;
  if (lobby) return `a lobby pass paused by a join wave, ${ago} — !resume lets it in`;
  if (!record) return `${trouble.kind}, ${ago}`;
  const who = record.user;
  switch (trouble.kind) {
    case "held": {
      const why = record.screened
        ? "near a blocklist entry"
        : record.source === "form"
          ? "a form request"
          : "knocked without a code";
      return `${who}: ${why}, ${ago} — !approve ${who} | !reject ${who} [reason]`;
    }
    case "awaiting":
      return `${who}: passed during a join wave, ${ago} — !approve ${who} or !resume`;
    default:
      return `${who}: gave up on ${firstWords(trouble.error ?? "an effect")}, ${ago} — the console's Triage view fixes it`;
  }
}

function firstWords(text: string): string {
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/**
 * The knock `!approve USER` / `!reject USER` decides: the person's newest one
 * still open; for approve also a newest one the challenge turned away (an override).
 */
export function knockOf(
  records: readonly VettingRecord[],
  user: string,
  action: "approve" | "reject",
): VettingRecord | undefined {
  const newest = records
    .filter((record) => record.user === user)
    .sort((a, b) => b.knockedAt - a.knockedAt)[0];
  if (!newest) return undefined;
  if (ACTIVE_PHASES.has(newest.phase)) return newest;
  return action === "approve" && OVERRIDABLE_PHASES.has(newest.phase) ? newest : undefined;
}

/** What the notify room is told when something starts waiting for a moderator; undefined: nothing to tell. */
export function waitingNotice(trouble: Trouble): string | undefined {
  const record = trouble.subject.record;
  if (trouble.kind === "held" && record) {
    const why = record.screened
      ? "is near a blocklist entry"
      : record.source === "form"
        ? "asked through the form"
        : "knocked without a code";
    return `${record.user} ${why} and waits for a moderator: !approve ${record.user} or !reject ${record.user} [reason] (!held lists everything waiting)`;
  }
  if (trouble.kind === "failed") {
    const who =
      record?.user ?? `lobby ${trouble.subject.lobby?.alias ?? trouble.subject.lobby?.key ?? ""}`;
    return `gave up for ${who}: ${firstWords(trouble.error ?? "an effect failed")} (the console's Triage view fixes it; !held lists everything waiting)`;
  }
  // Passes held back by a join wave: the wave's own notice says so.
  return undefined;
}

/**
 * At most `perMinute` notices a minute: a flood of held knocks (a spam wave)
 * becomes one summary line instead of a flood of notices.
 */
export class NoticeBudget {
  private windowStart = Number.NEGATIVE_INFINITY;
  private sent = 0;
  private held = 0;

  constructor(private readonly perMinute: number) {}

  /** Whether a notice may go now; one that may not is counted for the summary. */
  admit(now: number): boolean {
    if (now - this.windowStart >= 60_000) {
      this.windowStart = now;
      this.sent = 0;
    }
    if (this.sent < this.perMinute) {
      this.sent++;
      return true;
    }
    this.held++;
    return false;
  }

  /** When the summary of what was held back is due (ms), if anything was. */
  summaryDueAt(): number | undefined {
    return this.held > 0 ? this.windowStart + 60_000 : undefined;
  }

  /** The summary line, once; undefined when nothing was held back. */
  takeSummary(): string | undefined {
    if (this.held === 0) return undefined;
    const text = `… and ${this.held} more started waiting for a moderator in the last minute: !held lists them.`;
    this.held = 0;
    return text;
  }
}
