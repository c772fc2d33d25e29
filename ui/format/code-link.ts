/** Code links for the console: built as everywhere (core/codes/code-book.ts), from a public address checked first. */
export { codeLink } from "../../core/codes/code-book.js";

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
