/**
 * What is stuck, from the engine's records alone: knocks held for a
 * moderator, vetting rooms and lobbies where nobody has said anything for a
 * long time, effects the engine keeps retrying or gave up on, and invites
 * nobody answered (the engine follows the invites it sent until they are
 * accepted, declined or withdrawn). Each item names the registry binding that
 * fixes it, so the Triage view's one key (and its hint) come from the same
 * place as every other key.
 */
import type { LobbyRecord } from "../../core/lobby.js";
import type { PendingEffect } from "../../core/effects.js";
import type { PendingInvite } from "../../core/invites.js";
import type { VettingRecord } from "../../core/vetting.js";
import { relative } from "../format/time.js";
import { sanitize } from "../sanitize.js";

/** No word from the newcomer for this long in an open room: worth a nudge. */
export const SILENT_AFTER_MS = 30 * 60_000;
/** A room still being made after this long: the homeserver is not doing it. */
export const STUCK_OPENING_MS = 2 * 60_000;
/** Closed records whose last effect failed for good stay listed this long. */
export const FAILED_SHOWN_MS = 24 * 3_600_000;
/**
 * An invite unanswered this long is listed: the engine's default reminder
 * time. The engine's own reminder (INVITE_REMIND_SEC, which the console does
 * not know) lists it as soon as it is sent, when that comes sooner.
 */
export const UNANSWERED_AFTER_MS = 24 * 3_600_000;

export type TriageKind =
  "failed" | "retrying" | "stuck" | "held" | "awaiting" | "silent" | "empty lobby" | "unanswered";

/** Most urgent first: the engine gave up, then it keeps trying, then people wait. */
const ORDER: readonly TriageKind[] = [
  "failed",
  "retrying",
  "stuck",
  "held",
  "awaiting",
  "silent",
  "empty lobby",
  "unanswered",
];

export type TriageSubject =
  | { readonly record: VettingRecord; readonly lobby?: undefined; readonly invite?: undefined }
  | { readonly lobby: LobbyRecord; readonly record?: undefined; readonly invite?: undefined }
  | { readonly invite: PendingInvite; readonly record?: undefined; readonly lobby?: undefined };

export interface TriageItem {
  readonly id: string;
  readonly kind: TriageKind;
  /** Since when it has been stuck (ms). */
  readonly since: number;
  readonly subject: TriageSubject;
  /** What is wrong, for the moderator, sanitized. */
  readonly detail: string;
  /** The registry id of the binding that fixes it. */
  readonly fix: string;
}

export function triageItems(
  records: Iterable<VettingRecord>,
  lobbies: Iterable<LobbyRecord>,
  invites: Iterable<PendingInvite>,
  now: number,
): TriageItem[] {
  const items: TriageItem[] = [];
  for (const record of records) {
    const item = recordTrouble(record, now);
    if (item) items.push(item);
  }
  for (const lobby of lobbies) {
    const item = lobbyTrouble(lobby, now);
    if (item) items.push(item);
  }
  for (const invite of invites) {
    const item = inviteTrouble(invite, now);
    if (item) items.push(item);
  }
  return items.sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind) || a.since - b.since);
}

function recordTrouble(record: VettingRecord, now: number): TriageItem | undefined {
  const subject = { record };
  const item = (kind: TriageKind, since: number, detail: string, fix: string): TriageItem => ({
    id: `${kind}:${record.key}`,
    kind,
    since,
    subject,
    detail,
    fix,
  });
  const active =
    record.phase === "held" ||
    record.phase === "opening" ||
    record.phase === "open" ||
    record.phase === "awaiting_moderator";
  const lastError = record.errors?.[record.errors.length - 1];
  if (record.phase === "passed" && lastError?.startsWith("admitToCommunity:")) {
    if (now - (record.closedAt ?? 0) < FAILED_SHOWN_MS) {
      return item("failed", record.closedAt ?? record.knockedAt, errorText(lastError), "reinvite");
    }
  }
  const retrying = record.outbox.find((pending) => pending.attempts);
  if (retrying && active) {
    return item("retrying", record.knockedAt, retryText(retrying, now), "close");
  }
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
    return item("failed", record.knockedAt, errorText(lastError), fix);
  }
  if (record.phase === "held") {
    const why = record.screened
      ? `near a blocklist entry (${sanitize(record.screened.explanation, { max: 120 })})`
      : "no code given";
    return item("held", record.knockedAt, `${why}: waits for a moderator`, "vet");
  }
  if (record.phase === "awaiting_moderator") {
    const passedAt = record.transcript?.at(-1)?.at ?? record.knockedAt;
    return item(
      "awaiting",
      passedAt,
      "passed during a join wave: waits for a moderator",
      "approve",
    );
  }
  if (record.phase === "opening" && now - record.knockedAt >= STUCK_OPENING_MS) {
    return item("stuck", record.knockedAt, "the vetting room is still being made", "close");
  }
  if (record.phase === "open") {
    const quietSince = lastWordAt(record.transcript ?? [], record.knockedAt);
    if (now - quietSince >= SILENT_AFTER_MS) {
      const said = record.transcript?.some((line) => line.from === "newcomer");
      return item(
        "silent",
        quietSince,
        said ? "no reply since the last one" : "no reply to the challenge yet",
        "repost",
      );
    }
  }
  return undefined;
}

function lobbyTrouble(lobby: LobbyRecord, now: number): TriageItem | undefined {
  const subject = { lobby };
  const item = (kind: TriageKind, since: number, detail: string, fix: string): TriageItem => ({
    id: `${kind}:${lobby.key}`,
    kind,
    since,
    subject,
    detail,
    fix,
  });
  if (lobby.phase === "awaiting_moderator") {
    const passedAt = lobby.transcript?.at(-1)?.at ?? lobby.requestedAt;
    return item("awaiting", passedAt, "a pass during a join wave waits for a moderator", "approve");
  }
  if (lobby.phase !== "open" && lobby.phase !== "opening") return undefined;
  const retrying = lobby.outbox.find((pending) => pending.attempts);
  if (retrying) return item("retrying", lobby.requestedAt, retryText(retrying, now), "close");
  const lastError = lobby.errors?.[lobby.errors.length - 1];
  if (lastError) return item("failed", lobby.requestedAt, errorText(lastError), "close");
  if (lobby.phase === "opening" && now - lobby.requestedAt >= STUCK_OPENING_MS) {
    return item("stuck", lobby.requestedAt, "the lobby room is still being made", "close");
  }
  if (lobby.phase !== "open") return undefined;
  const present = Object.values(lobby.guests).filter((guest) => guest.joined).length;
  if (present === 0 && now - lobby.requestedAt >= SILENT_AFTER_MS) {
    return item("empty lobby", lobby.requestedAt, "nobody has joined the lobby", "close");
  }
  const quietSince = lastWordAt(lobby.transcript ?? [], lobby.requestedAt);
  if (present > 0 && now - quietSince >= SILENT_AFTER_MS) {
    return item("silent", quietSince, `${present} in the lobby, nobody answers`, "extend");
  }
  return undefined;
}

/** An invite the engine reminded about, or unanswered for a day: who, since when, via what. */
function inviteTrouble(invite: PendingInvite, now: number): TriageItem | undefined {
  const reminded = invite.remindedAt !== undefined;
  if (!reminded && now - invite.invitedAt < UNANSWERED_AFTER_MS) return undefined;
  const via = sanitize(invite.via, { max: 40 });
  const rooms = invite.rooms.length;
  const where = rooms > 1 ? `space + ${rooms - 1} room${rooms === 2 ? "" : "s"}` : "space";
  const reminder =
    invite.remindedAt === undefined ? "" : `, reminded ${relative(invite.remindedAt, now)}`;
  return {
    id: `unanswered:${invite.user}`,
    kind: "unanswered",
    since: invite.invitedAt,
    subject: { invite },
    detail: `invite not accepted (via ${via}; ${where})${reminder}`,
    fix: "withdraw",
  };
}

/** When anything was last said in the room (a nudge counts), else the start. */
function lastWordAt(transcript: readonly { readonly at: number }[], start: number): number {
  let last = start;
  for (const line of transcript) last = Math.max(last, line.at);
  return last;
}

function retryText(pending: PendingEffect, now: number): string {
  const next =
    pending.retryAt === undefined
      ? ""
      : `, next in ${Math.max(0, Math.round((pending.retryAt - now) / 1000))} s`;
  const error = pending.lastError ? `: ${sanitize(pending.lastError, { max: 200 })}` : "";
  return `${pending.effect.kind} retried ${pending.attempts ?? 0}×${next}${error}`;
}

function errorText(error: string): string {
  return `gave up: ${sanitize(error, { max: 200 })}`;
}
