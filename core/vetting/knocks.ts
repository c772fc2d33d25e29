/** Deciding what a fresh knock on the space becomes. Pure: books in, decision out. */
import { redeemCode, type CodeBook } from "../codes/code-book.js";
import { findCodeInReason } from "../codes/lookup.js";
import type { Challenge } from "../challenge/pick.js";
import { REFERENCE_KEY_PREFIX } from "../migration/reference-vetting.js";
import { knockVerdict, type ScreenHit } from "../moderation/screening.js";
import {
  ACTIVE_PHASES,
  deniedRecord,
  heldRecord,
  openingRecord,
  supersededRecord,
  type KnockFacts,
  type Step,
  type VettingBook,
  type VettingRecord,
  type VettingSettings,
} from "./record.js";

/** A knock reason is kept to this many bytes of UTF-8 (in the record and the audit log): it is anyone's text. */
export const MAX_KNOCK_REASON_BYTES = 1024;

/** The reason cut to MAX_KNOCK_REASON_BYTES, never inside a character. */
export function clipKnockReason(reason: string): string {
  let bytes = 0;
  let end = 0;
  for (const char of reason) {
    const point = char.codePointAt(0) ?? 0;
    bytes += point < 0x80 ? 1 : point < 0x800 ? 2 : point < 0x10000 ? 3 : 4;
    if (bytes > MAX_KNOCK_REASON_BYTES) return reason.slice(0, end);
    end += char.length;
  }
  return reason;
}

export interface KnockDecision {
  readonly step: Step;
  /** The code book with the use charged, when this knock spent one. */
  readonly codes?: CodeBook;
}

export function decideKnock(
  knock: KnockFacts,
  codes: CodeBook,
  active: VettingRecord | undefined,
  challenge: () => Challenge,
  settings: VettingSettings,
  /** The reference approver's finished vetting of this person, when this knock predates it. */
  carriedOver?: VettingRecord,
  /** The blocklist's or a policy list's word on this person, when either caught them. */
  screened?: ScreenHit,
): KnockDecision {
  if (active && active.phase !== "held") {
    return { step: supersededRecord(knock, active.key, settings) };
  }
  // Before any code is looked at: a blocked person spends nothing, and learns nothing from the reason.
  if (screened) return blockedKnock(knock, screened, settings);
  // The reference never denied the knocks it had vetted: this one was handled, not to be charged again.
  if (carriedOver) {
    const why = carriedOver.phase === "timed_out" ? "timed_out" : "failed";
    return { step: deniedRecord(knock, why, settings) };
  }
  if (!knock.reason.trim()) return { step: heldRecord(knock, settings) };
  const code = findCodeInReason(codes, knock.reason);
  if (!code) return { step: deniedRecord(knock, "unknown_code", settings) };
  const redeemed = redeemCode(codes, code, knock.key, Math.floor(knock.knockedAt / 1000));
  if (!redeemed.ok) return { step: deniedRecord(knock, redeemed.refusal, settings) };
  const opened = openingRecord(knock, { code, label: redeemed.entry.label }, challenge(), settings);
  const audit = [
    {
      type: "code_redeemed",
      user: knock.user,
      code,
      label: redeemed.entry.label,
      uses_remaining: redeemed.entry.uses_remaining,
    },
    ...opened.audit,
  ];
  return { step: { record: opened.record, audit }, codes: redeemed.book };
}

function blockedKnock(knock: KnockFacts, hit: ScreenHit, settings: VettingSettings): KnockDecision {
  const verdict = knockVerdict(hit);
  const decided =
    verdict === "deny" ? deniedRecord(knock, "blocked", settings) : heldRecord(knock, settings);
  decided.record.screened = hit;
  const blocked = {
    type: "knock_blocked",
    user: knock.user,
    source: hit.source,
    explanation: hit.explanation,
    action: verdict === "deny" ? "denied" : "held",
  };
  return { step: { record: decided.record, audit: [blocked, ...decided.audit] } };
}

/** A closed vetting carried over from the reference approver that this knock led to, if any. */
export function carriedOverRecordFor(
  book: VettingBook,
  knock: KnockFacts,
): VettingRecord | undefined {
  for (const record of Object.values(book)) {
    if (
      record.user === knock.user &&
      record.key.startsWith(REFERENCE_KEY_PREFIX) &&
      !ACTIVE_PHASES.has(record.phase) &&
      record.knockedAt >= knock.knockedAt
    )
      return record;
  }
  return undefined;
}

/** The record still being worked on for this user, if any. */
export function activeRecordOf(book: VettingBook, user: string): VettingRecord | undefined {
  for (const record of Object.values(book)) {
    if (record.user === user && ACTIVE_PHASES.has(record.phase)) return record;
  }
  return undefined;
}
