/**
 * Who vouched for whom. Every admission has an endorser: the inviter (or else
 * the minter) of the code it used, the moderator who let the person in, or
 * the bot itself. Written in the reference approver's endorsements.jsonl shape
 * (`endorser, invitee, code_or_manual, room_id, ts`), so its tree carries on.
 */
import type { CodeBook } from "../codes/code-book.js";
import type { AuditEntry } from "../effects.js";

export interface Endorsement {
  readonly endorser: string;
  readonly invitee: string;
  /** The code the person came in with, or "manual" when a moderator (or the form hook) let them in. */
  readonly code_or_manual: string;
  readonly room_id: string | null;
  /** Unix seconds. */
  readonly ts: number;
}

/** What an admission's code is found by. */
export interface EndorsementLookup {
  readonly botUserId: string;
  readonly inviteCodes: CodeBook;
  readonly signupCodes: CodeBook;
  /** The invite code behind a vetting room or lobby. */
  codeOfRoom(roomId: string): string | undefined;
}

/** The endorsement an audit entry stands for, if it is an admission. */
export function endorsementOf(
  entry: AuditEntry & { readonly ts: number },
  lookup: EndorsementLookup,
): Endorsement | undefined {
  const text = (field: string): string | undefined =>
    typeof entry[field] === "string" ? (entry[field] as string) : undefined;
  if (entry.type === "signup") {
    const invitee = text("user_id");
    const code = text("code");
    if (!invitee || !code) return undefined;
    return made(vouchedBy(lookup.signupCodes, code, lookup), invitee, code, null, entry.ts);
  }
  if (entry.type !== "promoted") return undefined;
  const invitee = text("user");
  if (!invitee) return undefined;
  const roomId = text("room_id") ?? null;
  const by = text("by");
  const via = text("via");
  if (via === "moderator" || via === "override" || (via === "form" && by)) {
    return made(by ?? lookup.botUserId, invitee, "manual", roomId, entry.ts);
  }
  const code = roomId ? lookup.codeOfRoom(roomId) : undefined;
  if (!code) return made(lookup.botUserId, invitee, "manual", roomId, entry.ts);
  return made(vouchedBy(lookup.inviteCodes, code, lookup), invitee, code, roomId, entry.ts);
}

/** A code's inviter, else its minter, else the bot (a seeded code). */
function vouchedBy(book: CodeBook, code: string, lookup: EndorsementLookup): string {
  const entry = book[code];
  return entry?.inviter ?? entry?.minted_by ?? lookup.botUserId;
}

function made(
  endorser: string,
  invitee: string,
  codeOrManual: string,
  roomId: string | null,
  ts: number,
): Endorsement {
  return { endorser, invitee, code_or_manual: codeOrManual, room_id: roomId, ts };
}

/** A person's place in the tree: who brought them in, and whom they brought in. */
export function endorsementsOf(
  user: string,
  all: readonly Endorsement[],
): { readonly endorsedBy?: Endorsement; readonly endorsed: readonly Endorsement[] } {
  const byThem = all.filter((e) => e.invitee === user);
  const endorsedBy = byThem.at(-1);
  const endorsed = all.filter((e) => e.endorser === user);
  return endorsedBy ? { endorsedBy, endorsed } : { endorsed };
}

/** The codes with uses left that `user` minted or was given (welcome codes): what a moderator revokes to stop their line. */
export function liveCodesOf(user: string, book: CodeBook, nowSec: number): string[] {
  return Object.entries(book)
    .filter(([, entry]) => entry.minted_by === user || entry.inviter === user)
    .filter(([, entry]) => entry.uses_remaining > 0)
    .filter(([, entry]) => entry.expires_at === undefined || entry.expires_at > nowSec)
    .map(([code]) => code);
}
