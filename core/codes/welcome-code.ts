/** The reference's welcome code: a signup code a new member can pass on, labelled with their id. */
import type { CodeEntry } from "./code-book.js";
import type { AuditEntry } from "../effects.js";

export interface WelcomeCode {
  readonly code: string;
  readonly entry: CodeEntry;
}

/** The welcome code for `user`, or none when no code was drawn or welcome codes are off (0 uses). */
export function welcomeCodeFor(
  user: string,
  code: string | undefined,
  uses: number,
): WelcomeCode | undefined {
  if (!code || uses <= 0) return undefined;
  return {
    code,
    entry: { uses_remaining: uses, label: `welcome:${user}`, inviter: user, minted_by: "anteroom" },
  };
}

export function welcomeMintedAudit(welcome: WelcomeCode): AuditEntry {
  return {
    type: "code_minted",
    book: "signup",
    code: welcome.code,
    label: welcome.entry.label,
    uses: welcome.entry.uses_remaining,
    by: "welcome",
  };
}
