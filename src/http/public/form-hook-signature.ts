/**
 * Whether a form webhook was signed with FORM_SECRET. Both services sign the
 * raw body with HMAC-SHA256 and send the digest in base64:
 * Tally as `tally-signature: <base64>`, Typeform as
 * `typeform-signature: sha256=<base64>`. Compared in constant time.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export type SignatureHeaders = Readonly<Record<string, string | string[] | undefined>>;

export function formSignatureValid(
  secret: string,
  rawBody: string | Buffer,
  headers: SignatureHeaders,
): boolean {
  const given = signatureGiven(headers);
  if (given === undefined) return false;
  const expected = createHmac("sha256", secret).update(rawBody).digest();
  let decoded: Buffer;
  try {
    decoded = Buffer.from(given, "base64");
  } catch {
    return false;
  }
  // A digest of the wrong length cannot match; timingSafeEqual would throw on it.
  return decoded.length === expected.length && timingSafeEqual(decoded, expected);
}

/** The base64 digest from whichever service's header is present. */
function signatureGiven(headers: SignatureHeaders): string | undefined {
  const typeform = single(headers["typeform-signature"]);
  if (typeform !== undefined) {
    return typeform.startsWith("sha256=") ? typeform.slice("sha256=".length).trim() : undefined;
  }
  return single(headers["tally-signature"])?.trim();
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
}
