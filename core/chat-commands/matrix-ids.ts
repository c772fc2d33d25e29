/**
 * Matrix identifiers as the spec's grammar has them, checked before anything
 * typed in a chat command reaches the homeserver.
 */

/** Control characters, and the bidi overrides that could disguise a name in a reply. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

// localpart: the historical grammar (any printable ASCII but ":"); server: DNS name, IPv4 or [IPv6], optional port.
const USER_ID =
  /^@[\x21-\x39\x3b-\x7e]+:(?:\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9.-]{1,255})(?::[0-9]{1,5})?$/;

/** A full Matrix user ID such as `@alice:example.org` (at most 255 characters). */
export function isUserId(text: string): boolean {
  return text.length <= 255 && USER_ID.test(text);
}

export function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text);
}

/** `text` with every control character shown as "?", for quoting what someone typed. */
export function withoutControlCharacters(text: string): string {
  return text.replace(new RegExp(CONTROL.source, "g"), "?");
}
