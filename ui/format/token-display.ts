/**
 * A homeserver registration token as the Codes view shows it: how much it has
 * been used of what it allows, and how long it still works. The lifetime a
 * moderator types for a new one (7d, 12h, 30m, 2w) is read here too.
 */
import { TOKEN_LIMITS } from "../../core/chat-commands/parse.js";
import type { RegistrationToken } from "../../core/ports.js";
import { relative } from "./time.js";

/** "1/5 used", "3/∞ used": completed registrations of those allowed. */
export function tokenUses(token: RegistrationToken): string {
  return `${token.completed}/${token.usesAllowed ?? "∞"} used`;
}

/** Whether the token can still register anyone (Synapse counts pending registrations against it). */
export function tokenSpent(
  token: RegistrationToken,
  nowMs: number,
): "expired" | "used up" | undefined {
  if (token.expiresAt !== null && token.expiresAt <= nowMs) return "expired";
  if (token.usesAllowed !== null && token.completed + token.pending >= token.usesAllowed) {
    return "used up";
  }
  return undefined;
}

/** "1 pending · expires in 7 d", "never expires", "expired 2 h ago". */
export function tokenState(token: RegistrationToken, nowMs: number): string {
  const parts: string[] = [];
  if (token.pending > 0) parts.push(`${token.pending} pending`);
  if (token.expiresAt === null) parts.push("never expires");
  else {
    const when = relative(token.expiresAt, nowMs);
    parts.push(token.expiresAt <= nowMs ? `expired ${when}` : `expires ${when}`);
  }
  return parts.join(" · ");
}

const UNIT_MS: Readonly<Record<string, number>> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** A lifetime as typed: "7d", "12h", "30m", "2w"; empty is "never expires". */
export function parseLifetime(
  text: string,
): { ok: true; ms: number | undefined } | { ok: false; error: string } {
  const value = text.trim().toLowerCase();
  if (value === "" || value === "never") return { ok: true, ms: undefined };
  const match = /^([0-9]{1,6})\s*([mhdw])$/.exec(value);
  const ms = match ? Number(match[1]) * (UNIT_MS[match[2] as string] as number) : Number.NaN;
  if (!(ms > 0 && ms <= TOKEN_LIMITS.maxLifetimeMs)) {
    return {
      ok: false,
      error: "a lifetime is 1m to 366d, such as 30m, 12h, 7d or 2w (empty: never expires)",
    };
  }
  return { ok: true, ms };
}
