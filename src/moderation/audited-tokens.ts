/**
 * Registration tokens with a record of who issued or revoked which: every
 * door (chat, the admin API, the in-process console) names its moderator, and
 * the audit log says `registration_token_issued` / `registration_token_revoked`
 * with `by` and `via`. The token is a secret that registers accounts, and the
 * audit log is read more widely than the issuer's screen, so only its first
 * characters are written down, as `token_start` (the audit log redacts any
 * field named `token`): enough to tell tokens apart in the Codes view.
 */
import type { AuditSink, RegistrationToken, TokenIssuer } from "../../core/ports.js";

/** Who asks, as every audit entry of a moderator's action names them. */
export interface TokenActor {
  readonly by: string;
  readonly via: "chat" | "admin-api" | "console";
}

export interface AuditedTokens {
  list(): Promise<RegistrationToken[]>;
  issue(
    request: { uses?: number; expiresAt?: number; token?: string },
    actor: TokenActor,
  ): Promise<RegistrationToken>;
  revoke(token: string, actor: TokenActor): Promise<boolean>;
}

const SHOWN_CHARS = 4;

/** The start of a token, for the audit log: `abcd…`. */
export function tokenHint(token: string): string {
  return token.length <= SHOWN_CHARS ? "…" : `${token.slice(0, SHOWN_CHARS)}…`;
}

export function auditedTokens(
  issuer: TokenIssuer,
  audit: Pick<AuditSink, "append">,
  now: () => number,
): AuditedTokens {
  return {
    list: () => issuer.list(),
    async issue(request, actor) {
      const token = await issuer.issue(request);
      await audit.append({
        ts: now() / 1000,
        type: "registration_token_issued",
        token_start: tokenHint(token.token),
        uses: token.usesAllowed,
        expires_at: token.expiresAt === null ? null : token.expiresAt / 1000,
        by: actor.by,
        via: actor.via,
      });
      return token;
    },
    async revoke(token, actor) {
      const revoked = await issuer.revoke(token);
      if (revoked) {
        await audit.append({
          ts: now() / 1000,
          type: "registration_token_revoked",
          token_start: tokenHint(token),
          by: actor.by,
          via: actor.via,
        });
      }
      return revoked;
    },
  };
}
