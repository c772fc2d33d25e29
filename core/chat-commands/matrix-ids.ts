/**
 * Control characters in what someone typed in a chat command, refused or
 * shown as "?" before it is quoted. User IDs are checked by the one grammar
 * in core/moderation/matrix-ids.ts.
 */

/** Control characters, and the bidi overrides that could disguise a name in a reply. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

export function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text);
}

/** `text` with every control character shown as "?", for quoting what someone typed. */
export function withoutControlCharacters(text: string): string {
  return text.replace(new RegExp(CONTROL.source, "g"), "?");
}
