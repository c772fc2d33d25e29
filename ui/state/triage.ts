/**
 * The Triage view's rows: core's list of what is stuck (core/moderation/triage.ts), each
 * with a line for the moderator saying what is wrong, sanitized for the terminal.
 */
import type { LobbyRecord } from "../../core/lobby/record.js";
import type { PendingEffect } from "../../core/effects.js";
import type { PendingInvite } from "../../core/admission/invites.js";
import {
  troubles,
  type Trouble,
  type UndecryptableMessages,
} from "../../core/moderation/triage.js";
import type { VettingRecord } from "../../core/vetting/record.js";
import { relative } from "../format/time.js";
import { sanitize } from "../sanitize.js";

export type { TroubleKind as TriageKind } from "../../core/moderation/triage.js";

export interface TriageItem extends Trouble {
  /** What is wrong, for the moderator, sanitized. */
  readonly detail: string;
}

export function triageItems(
  records: Iterable<VettingRecord>,
  lobbies: Iterable<LobbyRecord>,
  invites: Iterable<PendingInvite>,
  now: number,
  undecryptable?: UndecryptableMessages,
): TriageItem[] {
  return troubles(records, lobbies, invites, now, undecryptable).map((trouble) => ({
    ...trouble,
    detail: detailOf(trouble, now),
  }));
}

function detailOf(trouble: Trouble, now: number): string {
  const { subject } = trouble;
  switch (trouble.kind) {
    case "failed":
      return `gave up: ${sanitize(trouble.error ?? "", { max: 200 })}`;
    case "retrying":
      return trouble.retrying ? retryText(trouble.retrying, now) : "retrying";
    case "unreadable": {
      const count = subject.undecryptable?.count ?? 0;
      return `${count} message(s) in the operator room could not be decrypted; a command in one was not acted on: ask for it again`;
    }
    case "stuck":
      return subject.lobby
        ? "the lobby room is still being made"
        : "the vetting room is still being made";
    case "held": {
      const screened = subject.record?.screened;
      const why = screened
        ? `near a blocklist entry (${sanitize(screened.explanation, { max: 120 })})`
        : "no code given";
      return `${why}: waits for a moderator`;
    }
    case "awaiting":
      return subject.lobby
        ? "a pass during a join wave waits for a moderator"
        : "passed during a join wave: waits for a moderator";
    case "silent":
      if (subject.lobby) return `${trouble.present ?? 0} in the lobby, nobody answers`;
      return trouble.answered ? "no reply since the last one" : "no reply to the challenge yet";
    case "empty lobby":
      return "nobody has joined the lobby";
    case "unanswered":
      return subject.invite ? inviteText(subject.invite, now) : "invite not accepted";
  }
}

function inviteText(invite: PendingInvite, now: number): string {
  const via = sanitize(invite.via, { max: 40 });
  const rooms = invite.rooms.length;
  const where = rooms > 1 ? `space + ${rooms - 1} room${rooms === 2 ? "" : "s"}` : "space";
  const reminder =
    invite.remindedAt === undefined ? "" : `, reminded ${relative(invite.remindedAt, now)}`;
  return `invite not accepted (via ${via}; ${where})${reminder}`;
}

function retryText(pending: PendingEffect, now: number): string {
  const next =
    pending.retryAt === undefined
      ? ""
      : `, next in ${Math.max(0, Math.round((pending.retryAt - now) / 1000))} s`;
  const error = pending.lastError ? `: ${sanitize(pending.lastError, { max: 200 })}` : "";
  return `${pending.effect.kind} retried ${pending.attempts ?? 0}×${next}${error}`;
}
