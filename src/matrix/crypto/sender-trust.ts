/**
 * Whether a command came from a device its sender vouches for (the reference approver's rule,
 * which resists a homeserver that forges messages): sent encrypted, from a device cross-signed
 * by its owner, whose cross-signing identity is the one first seen (trust on first use).
 */
import type { MatrixClient, MatrixEvent } from "matrix-js-sdk";
import { EventShieldColour } from "matrix-js-sdk/lib/crypto-api/index.js";

export type SenderTrust =
  | "verified"
  /** Not encrypted (or encryption is off): anyone the homeserver pretends to be. */
  | "cleartext"
  /** A device its owner did not cross-sign, or an owner without cross-signing. */
  | "unverified_device"
  /** The owner's identity changed since first seen: a moderator must accept the new one. */
  | "identity_changed";

export async function senderTrust(client: MatrixClient, event: MatrixEvent): Promise<SenderTrust> {
  const crypto = client.getCrypto();
  const sender = event.getSender();
  if (!crypto || !sender || !event.isEncrypted()) return "cleartext";
  const info = await crypto.getEncryptionInfoForEvent(event);
  if (!info) return "cleartext";
  const identity = await crypto.getUserVerificationStatus(sender);
  if (identity.needsUserApproval) return "identity_changed";
  if (info.shieldColour !== EventShieldColour.NONE) return "unverified_device";
  if (!(await crypto.userHasCrossSigningKeys(sender))) return "unverified_device";
  return "verified";
}
