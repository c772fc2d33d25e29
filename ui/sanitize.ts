/**
 * The one sanitizer every string from Matrix passes through before it reaches
 * the terminal: display names, knock reasons, messages, audit fields. Ink
 * passes OSC (title, clipboard, hyperlinks), BEL and CR straight through
 * `<Text>`, so a newcomer could otherwise retitle, beep at or write to the
 * clipboard of a moderator's terminal, or make text look like something else.
 */

export interface SanitizeOptions {
  /** Keep line breaks (transcripts); otherwise they show as ⏎ on one line. */
  readonly multiline?: boolean;
  /** Longer text is cut and ends with …; the terminal has no use for megabytes. */
  readonly max?: number;
}

const DEFAULT_MAX = 10_000;

/* eslint-disable no-control-regex -- matching control characters is the point of this file */

// String sequences (OSC, DCS, SOS, PM, APC) are removed with their payload, up
// to BEL or ST; an unterminated one runs to the end, as a terminal would read it.
const STRING_SEQUENCE = /(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[\s\S]*?(?:\x07|\x1b\\|\x9c|$)/g;
// CSI: parameters, intermediates, final byte (cursor moves, erase, SGR, mode changes).
const CSI_SEQUENCE = /(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?/g;
// Any other escape: ESC, intermediates, one final byte (ESC c resets the terminal).
const OTHER_ESCAPE = /\x1b[\x20-\x2f]*[\x30-\x7e]?/g;
// What is left of C0 (but tab and newline), DEL and C1 shows as a replacement character.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
// Line breaks in every spelling: CRLF, a bare CR (would overwrite the line), NEL, LS, PS.
const LINE_BREAK = /\r\n|[\r\x85\u2028\u2029]/g;

/* eslint-enable no-control-regex */

// Bidi embeddings, overrides and isolates, and the implicit marks: they reorder
// what follows them (a name that reads backwards, a reason that hides a code).
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// Invisible characters with no place in a name or a message: zero-width space,
// word joiner and invisible operators, BOM, Mongolian vowel separator, soft
// hyphen, interlinear annotation. ZWJ and ZWNJ stay: emoji and scripts need them.
const INVISIBLE = /[\u00ad\u180e\u200b\u2060-\u2064\ufeff\ufff9-\ufffb]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const REPLACEMENT = "\ufffd";

/** Makes any value safe to print: no escape sequence, control character or bidi override survives. */
export function sanitize(value: unknown, options: SanitizeOptions = {}): string {
  const max = options.max ?? DEFAULT_MAX;
  let text = toText(value);
  if (text.length > max * 2) text = text.slice(0, max * 2); // bound the work before the regexes
  text = text
    .replace(STRING_SEQUENCE, "")
    .replace(CSI_SEQUENCE, "")
    .replace(OTHER_ESCAPE, "")
    .replace(LINE_BREAK, "\n")
    .replace(/\t/g, " ")
    .replace(CONTROL, REPLACEMENT)
    .replace(BIDI, "")
    .replace(INVISIBLE, "")
    .replace(LONE_SURROGATE, REPLACEMENT);
  if (!options.multiline) text = text.replace(/\n/g, "⏎");
  if (text.length > max) text = text.slice(0, max - 1).replace(/[\ud800-\udbff]$/, "") + "…";
  return text;
}

function toText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return String(value);
  }
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return String(value);
  }
}
