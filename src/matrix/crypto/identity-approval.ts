/**
 * Accepting a person's new cross-signing identity. The bot trusts the identity it first saw for
 * each sender; when that changes (a new login that reset cross-signing, or a forgery), their
 * commands are refused until a moderator accepts the new one here (admin API).
 */
import type { MatrixClient } from "matrix-js-sdk";
import type { AuditSink } from "../../../core/ports.js";

/** "accepted": it had changed and is now trusted; "unchanged": nothing to accept. */
export type IdentityAcceptance = "accepted" | "unchanged" | "encryption_off";

export interface IdentityApproval {
  accept(user: string, by: string): Promise<IdentityAcceptance>;
}

export function identityApproval(
  client: MatrixClient,
  audit: Pick<AuditSink, "append">,
  now: () => number,
): IdentityApproval {
  return {
    async accept(user, by) {
      const crypto = client.getCrypto();
      if (!crypto) return "encryption_off";
      const status = await crypto.getUserVerificationStatus(user);
      if (!status.needsUserApproval) return "unchanged";
      await crypto.pinCurrentUserIdentity(user);
      await audit.append({ ts: now() / 1000, type: "identity_accepted", user, by });
      return "accepted";
    },
  };
}
