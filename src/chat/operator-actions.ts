/**
 * The moderation commands' doors into the rest of anteroom. Each is optional:
 * a command whose door is not wired answers that it is not available yet.
 * An action reports its outcome in one line for the operator room.
 */
import type { AuditedTokens } from "../moderation/audited-tokens.js";

export type ActionOutcome = { ok: true; summary: string } | { ok: false; error: string };

/**
 * `authority`: how far the operator's word reaches (core/chat-commands/authorize.ts
 * operatorAuthority): they act only on people below it in every room, and grant at most it.
 */
export interface OperatorActions {
  kick?(
    user: string,
    reason: string | undefined,
    by: string,
    authority: number,
  ): Promise<ActionOutcome>;
  ban?(
    user: string,
    reason: string | undefined,
    by: string,
    authority: number,
  ): Promise<ActionOutcome>;
  unban?(
    user: string,
    reason: string | undefined,
    by: string,
    authority: number,
  ): Promise<ActionOutcome>;
  promote?(user: string, role: string, by: string, authority: number): Promise<ActionOutcome>;
  demote?(user: string, by: string, authority: number): Promise<ActionOutcome>;
  block?(pattern: string, reason: string | undefined, by: string): Promise<ActionOutcome>;
  /** Homeserver registration tokens (`!mint token`, `!token`). */
  tokens?: AuditedTokens;
}
