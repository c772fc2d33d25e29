/**
 * What the bot answers in the operator room. Codes appear verbatim (people
 * copy them from here), in the reference approver's shapes where it had one.
 */
import { codeLink, type CodeBook } from "../codes/code-book.js";
import type { RegistrationToken } from "../ports.js";
import { COMMAND_NAMES, COMMAND_USAGE, type MintKind } from "./commands.js";

/** How many codes of a book `!codes` lists before it says how many more there are. */
export const CODES_LISTED_PER_BOOK = 50;

export function defaultMintLabel(sender: string): string {
  return `minted by ${sender}`;
}

/** The link a code is shared with: the join page for knock codes, the signup page for signup codes. */
function linkFor(publicUrl: string, kind: MintKind, code: string): string {
  return codeLink(publicUrl, kind === "knock" ? "invite" : "signup", code);
}

export function mintReply(
  publicUrl: string,
  kind: MintKind,
  codes: readonly string[],
  label: string,
  uses: number,
  /** When the codes stop working (ms); absent: never. */
  expiresAtMs?: number,
): string {
  const ends = expiresAtMs === undefined ? "" : `, until ${new Date(expiresAtMs).toISOString()}`;
  if (codes.length === 1) {
    const usesNote = uses === 1 ? "" : `, ${uses} uses`;
    return `minted ${kind} code → ${linkFor(publicUrl, kind, codes[0] ?? "")}\n(label: ${label}${usesNote}${ends})`;
  }
  const usesNote = uses === 1 ? "" : `, ${uses} uses each`;
  const lines = codes.map((code) => `  ${linkFor(publicUrl, kind, code)}`);
  return [
    `minted ${codes.length} ${kind} codes (label: ${label}${usesNote}${ends}):`,
    ...lines,
  ].join("\n");
}

/** The codes that can still be used, per book; expired and used-up ones are left out. */
export function codesReply(books: { knock: CodeBook; signup: CodeBook }, nowSec: number): string {
  const sections: string[] = [];
  for (const kind of ["knock", "signup"] as const) {
    const live = Object.entries(books[kind]).filter(
      ([, entry]) =>
        entry.uses_remaining > 0 && (entry.expires_at === undefined || entry.expires_at > nowSec),
    );
    if (live.length === 0) continue;
    const lines = live
      .slice(0, CODES_LISTED_PER_BOOK)
      .map(([code, entry]) => `  ${code} (uses=${entry.uses_remaining}, label='${entry.label}')`);
    if (live.length > CODES_LISTED_PER_BOOK) {
      lines.push(
        `  … and ${live.length - CODES_LISTED_PER_BOOK} more (the console lists them all)`,
      );
    }
    sections.push(`${kind}:`, ...lines);
  }
  return sections.length === 0 ? "no live codes." : sections.join("\n");
}

export function revokeReply(code: string, files: readonly string[]): string {
  return files.length === 0 ? `unknown code: ${code}` : `revoked ${code} (in ${files.join(", ")})`;
}

/** Every command with its `!` and one line on what it does. */
export function helpText(): string {
  return [
    "commands:",
    ...COMMAND_NAMES.map((name) => `${COMMAND_USAGE[name].usage} — ${COMMAND_USAGE[name].what}`),
  ].join("\n");
}

/** A registration token as the operator room shows it: the value verbatim, then what limits it. */
export function tokenLine(token: RegistrationToken, nowMs: number): string {
  const uses =
    token.usesAllowed === null
      ? "unlimited uses"
      : `${Math.max(0, token.usesAllowed - token.completed - token.pending)} of ${token.usesAllowed} uses left`;
  const expiry =
    token.expiresAt === null
      ? "no expiry"
      : token.expiresAt <= nowMs
        ? `expired ${new Date(token.expiresAt).toISOString()}`
        : `expires ${new Date(token.expiresAt).toISOString()}`;
  return `${token.token} (${uses}, ${expiry})`;
}

export function tokenIssuedReply(token: RegistrationToken, nowMs: number): string {
  return `registration token issued: ${tokenLine(token, nowMs)}`;
}

export function tokensReply(tokens: readonly RegistrationToken[], nowMs: number): string {
  if (tokens.length === 0) return "no registration tokens on the homeserver.";
  const shownTokens = tokens.slice(0, CODES_LISTED_PER_BOOK).map((t) => `  ${tokenLine(t, nowMs)}`);
  if (tokens.length > CODES_LISTED_PER_BOOK)
    shownTokens.push(
      `  … and ${tokens.length - CODES_LISTED_PER_BOOK} more (the console lists them all)`,
    );
  return ["registration tokens:", ...shownTokens].join("\n");
}

export function tokenFailedReply(what: string, reason: string): string {
  return `!${what} failed: the homeserver said no: ${reason}`;
}

export function notAvailableReply(name: string): string {
  return `!${name} is not available yet in this anteroom.`;
}
