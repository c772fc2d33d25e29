/**
 * What waits for someone, from the engine's records alone: knocks held for a
 * moderator, vetting rooms and lobbies where nobody has said anything for a
 * long time, effects the engine keeps retrying or gave up on, invites
 * nobody answered, and operator-room messages the bot could not decrypt.
 * The console's Triage view and the metrics read the same list, so an alert
 * and the screen never disagree about what is stuck.
 * Each trouble names the console binding that fixes it.
 */
import type { PendingEffect } from "../effects.js";
import type { PendingInvite } from "../admission/invites.js";
import type { LobbyRecord } from "../lobby/record.js";
import type { VettingRecord } from "../vetting/record.js";

/** No word from the newcomer for this long in an open room: worth a nudge. */
export const SILENT_AFTER_MS = 30 * 60_000;
/** A room still being made after this long: the homeserver is not doing it. */
export const STUCK_OPENING_MS = 2 * 60_000;
/** Closed records whose last effect failed for good stay listed this long. */
export const FAILED_SHOWN_MS = 24 * 3_600_000;
/**
 * An invite unanswered this long is listed: the engine's default reminder
 * time. The engine's own reminder (INVITE_REMIND_SEC) lists it as soon as it
 * is sent, when that comes sooner.
 */
export const UNANSWERED_AFTER_MS = 24 * 3_600_000;

export const TROUBLE_KINDS = [
  "failed",
  "retrying",
  "unreadable",
  "stuck",
  "held",
  "awaiting",
  "silent",
  "empty lobby",
  "unanswered",
] as const;
/** Most urgent first: the engine gave up, then it keeps trying, then people wait. */
export type TroubleKind = (typeof TROUBLE_KINDS)[number];

/** Operator-room messages the bot could not decrypt since it started (a command in one was lost). */
export interface UndecryptableMessages {
  readonly count: number;
  /** The last one: when the bot gave up on it, and who sent it. */
  readonly last?: { readonly at: number; readonly sender?: string };
}

/** Exactly one subject is set and the others are undefined, so `subject.record` narrows. */
type Only<K extends string, T> = { readonly [P in K]: T } & {
  readonly [P in Exclude<"record" | "lobby" | "invite" | "undecryptable", K>]?: undefined;
};
export type TroubleSubject =
  | Only<"record", VettingRecord>
  | Only<"lobby", LobbyRecord>
  | Only<"invite", PendingInvite>
  | Only<"undecryptable", UndecryptableMessages>;

export interface Trouble {
  readonly id: string;
  readonly kind: TroubleKind;
  /** Since when it has been stuck (ms). */
  readonly since: number;
  readonly subject: TroubleSubject;
  /** The console binding that fixes it. */
  readonly fix: string;
  /** `failed`: the error the engine gave up on. */
  readonly error?: string;
  /** `retrying`: the effect being retried. */
  readonly retrying?: PendingEffect;
  /** `silent` in a vetting room: whether the newcomer has answered at all. */
  readonly answered?: boolean;
  /** `silent` in a lobby: how many people are in it. */
  readonly present?: number;
}

type Details = Pick<Trouble, "error" | "retrying" | "answered" | "present">;

export function troubles(
  records: Iterable<VettingRecord>,
  lobbies: Iterable<LobbyRecord>,
  invites: Iterable<PendingInvite>,
  now: number,
  undecryptable?: UndecryptableMessages,
): Trouble[] {
  const found: Trouble[] = [];
  const lost = undecryptable && undecryptableTrouble(undecryptable, now);
  if (lost) found.push(lost);
  for (const record of records) {
    const trouble = recordTrouble(record, now);
    if (trouble) found.push(trouble);
  }
  for (const lobby of lobbies) {
    const trouble = lobbyTrouble(lobby, now);
    if (trouble) found.push(trouble);
  }
  for (const invite of invites) {
    const trouble = inviteTrouble(invite, now);
    if (trouble) found.push(trouble);
  }
  const rank = (kind: TroubleKind): number => TROUBLE_KINDS.indexOf(kind);
  return found.sort((a, b) => rank(a.kind) - rank(b.kind) || a.since - b.since);
}

function recordTrouble(record: VettingRecord, now: number): Trouble | undefined {
  const trouble = (kind: TroubleKind, since: number, fix: string, details: Details = {}) => ({
    id: `${kind}:${record.key}`,
    kind,
    since,
    subject: { record },
    fix,
    ...details,
  });
  const active =
    record.phase === "held" ||
    record.phase === "opening" ||
    record.phase === "open" ||
    record.phase === "awaiting_moderator";
  const lastError = record.errors?.[record.errors.length - 1];
  if (record.phase === "passed" && lastError?.startsWith("admitToCommunity:")) {
    if (now - (record.closedAt ?? 0) < FAILED_SHOWN_MS) {
      return trouble("failed", record.closedAt ?? record.knockedAt, "reinvite", {
        error: lastError,
      });
    }
  }
  const retrying = record.outbox.find((pending) => pending.attempts);
  if (retrying && active) return trouble("retrying", record.knockedAt, "close", { retrying });
  if (lastError && active) {
    // The challenge never reached them (a send failed), or the room was never made.
    const fix =
      record.phase === "open"
        ? "repost"
        : record.phase === "held"
          ? "reject"
          : record.phase === "awaiting_moderator"
            ? "approve"
            : "close";
    return trouble("failed", record.knockedAt, fix, { error: lastError });
  }
  if (record.phase === "held") return trouble("held", record.knockedAt, "vet");
  if (record.phase === "awaiting_moderator") {
    return trouble("awaiting", record.transcript?.at(-1)?.at ?? record.knockedAt, "approve");
  }
  if (record.phase === "opening" && now - record.knockedAt >= STUCK_OPENING_MS) {
    return trouble("stuck", record.knockedAt, "close");
  }
  if (record.phase === "open") {
    const quietSince = lastWordAt(record.transcript ?? [], record.knockedAt);
    if (now - quietSince >= SILENT_AFTER_MS) {
      const answered = record.transcript?.some((line) => line.from === "newcomer") ?? false;
      return trouble("silent", quietSince, "repost", { answered });
    }
  }
  return undefined;
}

function lobbyTrouble(lobby: LobbyRecord, now: number): Trouble | undefined {
  const trouble = (kind: TroubleKind, since: number, fix: string, details: Details = {}) => ({
    id: `${kind}:${lobby.key}`,
    kind,
    since,
    subject: { lobby },
    fix,
    ...details,
  });
  if (lobby.phase === "awaiting_moderator") {
    return trouble("awaiting", lobby.transcript?.at(-1)?.at ?? lobby.requestedAt, "approve");
  }
  if (lobby.phase !== "open" && lobby.phase !== "opening") return undefined;
  const retrying = lobby.outbox.find((pending) => pending.attempts);
  if (retrying) return trouble("retrying", lobby.requestedAt, "close", { retrying });
  const lastError = lobby.errors?.[lobby.errors.length - 1];
  if (lastError) return trouble("failed", lobby.requestedAt, "close", { error: lastError });
  if (lobby.phase === "opening" && now - lobby.requestedAt >= STUCK_OPENING_MS) {
    return trouble("stuck", lobby.requestedAt, "close");
  }
  if (lobby.phase !== "open") return undefined;
  const present = Object.values(lobby.guests).filter((guest) => guest.joined).length;
  if (present === 0 && now - lobby.requestedAt >= SILENT_AFTER_MS) {
    return trouble("empty lobby", lobby.requestedAt, "close");
  }
  const quietSince = lastWordAt(lobby.transcript ?? [], lobby.requestedAt);
  if (present > 0 && now - quietSince >= SILENT_AFTER_MS) {
    return trouble("silent", quietSince, "extend", { present });
  }
  return undefined;
}

/** An invite the engine reminded about, or unanswered for a day. */
function inviteTrouble(invite: PendingInvite, now: number): Trouble | undefined {
  const reminded = invite.remindedAt !== undefined;
  if (!reminded && now - invite.invitedAt < UNANSWERED_AFTER_MS) return undefined;
  return {
    id: `unanswered:${invite.user}`,
    kind: "unanswered",
    since: invite.invitedAt,
    subject: { invite },
    fix: "withdraw",
  };
}

/** Listed for a day after the last one: nothing fixes it but asking the sender to send again. */
function undecryptableTrouble(
  undecryptable: UndecryptableMessages,
  now: number,
): Trouble | undefined {
  const { last } = undecryptable;
  if (!last || now - last.at >= FAILED_SHOWN_MS) return undefined;
  return {
    id: "unreadable",
    kind: "unreadable",
    since: last.at,
    subject: { undecryptable },
    fix: "",
  };
}

/** When anything was last said in the room (a nudge counts), else the start. */
function lastWordAt(transcript: readonly { readonly at: number }[], start: number): number {
  let last = start;
  for (const line of transcript) last = Math.max(last, line.at);
  return last;
}
