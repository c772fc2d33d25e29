/**
 * The moderation commands' doors into the rest of anteroom. Each is optional:
 * a command whose door is not wired answers that it is not available yet.
 * An action reports its outcome in one line for the operator room.
 */
import type { AuditedTokens } from "../moderation/audited-tokens.js";

export type ActionOutcome = { ok: true; summary: string } | { ok: false; error: string };

export interface OperatorActions {
  kick?(user: string, reason: string | undefined, by: string): Promise<ActionOutcome>;
  ban?(user: string, reason: string | undefined, by: string): Promise<ActionOutcome>;
  unban?(user: string, reason: string | undefined, by: string): Promise<ActionOutcome>;
  /** `maxLevel`: the highest level this operator may grant (their own). */
  promote?(user: string, role: string, by: string, maxLevel: number): Promise<ActionOutcome>;
  demote?(user: string, by: string): Promise<ActionOutcome>;
  block?(pattern: string, reason: string | undefined, by: string): Promise<ActionOutcome>;
  /** Homeserver registration tokens (`!mint token`, `!token`). */
  tokens?: AuditedTokens;
}
