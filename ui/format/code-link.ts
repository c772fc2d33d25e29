/** The link a code is handed out with: the join page for invite codes, the signup page for signup codes. */
import type { CodeBookName } from "../../core/api.js";

export function codeLink(publicUrl: string, book: CodeBookName, code: string): string {
  const page = book === "invite" ? "join" : "signup";
  return `${publicUrl.replace(/\/+$/, "")}/${page}?code=${encodeURIComponent(code)}`;
}

/**
 * A public address fit for a link: http(s), no credentials, nothing a
 * terminal would act on. The daemon's answer is checked like any input.
 */
export function validPublicUrl(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length > 500) return undefined;
  // eslint-disable-next-line no-control-regex -- a control character makes it unusable
  if (/[\x00-\x20\x7f-\x9f]/.test(value)) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
    if (url.username || url.password) return undefined;
    return value;
  } catch {
    return undefined;
  }
}
