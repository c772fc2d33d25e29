/** Deciding what a fresh knock on the space becomes. Pure: books in, decision out. */
import { findCodeInReason, redeemCode, type CodeBook } from "./codes.js";
import type { Challenge } from "./challenge/pick.js";
import {
  ACTIVE_PHASES,
  deniedRecord,
  heldRecord,
  openingRecord,
  supersededRecord,
  type KnockFacts,
  type Step,
  type VettingRecord,
  type VettingSettings,
} from "./vetting.js";

export type VettingBook = Record<string, VettingRecord>;

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
): KnockDecision {
  if (active && active.phase !== "held") {
    return { step: supersededRecord(knock, active.key, settings) };
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

/** The record still being worked on for this user, if any. */
export function activeRecordOf(book: VettingBook, user: string): VettingRecord | undefined {
  for (const record of Object.values(book)) {
    if (record.user === user && ACTIVE_PHASES.has(record.phase)) return record;
  }
  return undefined;
}
