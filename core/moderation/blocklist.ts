/**
 * The operator's blocklist: who may not come in, and why. It lives in the data
 * dir as `blocklist.json`, written by anteroom and editable by hand:
 *
 *   {
 *     "entries": [
 *       { "pattern": "@spammer:evil.org", "kind": "user", "reason": "spam wave",
 *         "added_by": "@mod:example.org", "added_at": "2026-11-23T12:00:00.000Z" },
 *       { "pattern": "evil.org", "kind": "server" },
 *       { "pattern": "@*:spam.example", "kind": "glob" },
 *       { "pattern": "Free Crypto", "kind": "displayname" }
 *     ]
 *   }
 *
 * Kinds:
 * - `user`: one user ID. Also catches disguised copies of it ON THE SAME SERVER
 *   (leet-speak, look-alike letters, separators, a digit suffix, one or two
 *   edits): `@5pamm3r:evil.org`, `@spammer2:evil.org`. Another server is another
 *   person: `@spammer:evil.org` never blocks `@spammer:example.org`.
 * - `server`: every user of that server AND of its subdomains (whoever controls
 *   `evil.org` controls `x.evil.org`, and spammers rotate subdomains); the port is ignored.
 * - `glob`: the spec's glob over the whole user ID: `*` any run of characters
 *   (':' '.' '/' included), `?` one character, case-insensitive.
 * - `displayname`: a display name, matched on any server, with the same fuzzy folding.
 *
 * Unknown fields on an entry (a "note", say) are kept as they are.
 */
import { hasGlobWildcard, isUserId, matrixGlob, parseUserId, serverHost } from "./matrix-ids.js";
import { foldName, foldedForms, fuzzyMatch, type FoldedName, type FuzzyHit } from "./fuzzy.js";

export const BLOCK_KINDS = ["user", "server", "glob", "displayname"] as const;
export type BlockKind = (typeof BLOCK_KINDS)[number];

export interface BlockEntry {
  pattern: string;
  kind: BlockKind;
  reason?: string;
  /** The moderator (user ID, or "console", "admin-api") who added it. */
  added_by?: string;
  /** ISO 8601 time it was added. */
  added_at?: string;
  [extra: string]: unknown;
}

export interface Blocklist {
  entries: BlockEntry[];
}

export function emptyBlocklist(): Blocklist {
  return { entries: [] };
}

const MAX_PATTERN_LENGTH = 255;
const MAX_TEXT_LENGTH = 1000;

/** What is wrong with an entry's pattern for its kind, in one phrase; undefined when fine. */
export function blockPatternProblem(kind: BlockKind, pattern: string): string | undefined {
  if (pattern.trim() === "") return "the pattern is empty";
  if (pattern.length > MAX_PATTERN_LENGTH)
    return `the pattern is longer than ${MAX_PATTERN_LENGTH} characters`;
  if (/\p{Cc}/u.test(pattern)) return "the pattern contains control characters";
  switch (kind) {
    case "user":
      if (hasGlobWildcard(pattern))
        return `a user entry is one user ID; use kind "glob" for wildcards`;
      return isUserId(pattern) ? undefined : "not a user ID (expected @name:server)";
    case "server":
      if (hasGlobWildcard(pattern))
        return `a server entry is one server name; use kind "glob" for wildcards`;
      return serverHost(pattern) === undefined
        ? "not a server name (expected a host like evil.org)"
        : undefined;
    case "glob":
      if (/^[*?]*$/.test(pattern)) return "a glob of wildcards only would block everyone";
      return undefined;
    case "displayname":
      return foldedForms(pattern).length === 0
        ? "the display name has no letters or digits"
        : undefined;
  }
}

/** Guesses the kind of a pattern typed by a moderator (`!block PATTERN`, the console). */
export function inferBlockKind(pattern: string): BlockKind {
  const text = pattern.trim();
  if (hasGlobWildcard(text)) return "glob";
  if (text.startsWith("@")) return "user";
  if (!/\s/.test(text) && text.includes(".") && serverHost(text) !== undefined) return "server";
  return "displayname";
}

/**
 * Parses the blocklist document (from disk or the admin API). Throws an Error
 * naming the first bad entry: `entries[2] ("@foo"): not a user ID (expected @name:server)`.
 */
export function parseBlocklist(raw: unknown): Blocklist {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error('expected an object like {"entries": [...]}');
  }
  const entries = (raw as { entries?: unknown }).entries;
  if (entries === undefined) return { ...raw, entries: [] };
  if (!Array.isArray(entries)) throw new Error('"entries" must be a list');
  return { ...raw, entries: entries.map((entry, index) => parseEntry(entry, index)) };
}

function parseEntry(raw: unknown, index: number): BlockEntry {
  const where = (pattern?: unknown) =>
    typeof pattern === "string"
      ? `entries[${index}] (${JSON.stringify(pattern)})`
      : `entries[${index}]`;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error(`${where()}: expected an object with "pattern" and "kind"`);
  }
  const entry = raw as Record<string, unknown>;
  const { pattern, kind } = entry;
  if (typeof pattern !== "string") throw new Error(`${where()}: "pattern" must be a string`);
  if (!BLOCK_KINDS.includes(kind as BlockKind)) {
    throw new Error(`${where(pattern)}: "kind" must be one of ${BLOCK_KINDS.join(", ")}`);
  }
  const problem = blockPatternProblem(kind as BlockKind, pattern);
  if (problem) throw new Error(`${where(pattern)}: ${problem}`);
  for (const field of ["reason", "added_by", "added_at"] as const) {
    const value = entry[field];
    if (value === undefined) continue;
    if (typeof value !== "string" || value.length > MAX_TEXT_LENGTH) {
      throw new Error(
        `${where(pattern)}: "${field}" must be a string of at most ${MAX_TEXT_LENGTH} characters`,
      );
    }
  }
  if (typeof entry.added_at === "string" && Number.isNaN(Date.parse(entry.added_at))) {
    throw new Error(`${where(pattern)}: "added_at" must be a date like 2026-11-23T12:00:00Z`);
  }
  return entry as BlockEntry;
}

export type NewBlockEntry = { ok: true; entry: BlockEntry } | { ok: false; error: string };

/** Builds a checked entry for a moderator's request; the kind is guessed when not given. */
export function newBlockEntry(
  pattern: string,
  opts: { kind?: BlockKind; reason?: string; addedBy?: string; nowMs: number },
): NewBlockEntry {
  const text = pattern.trim();
  const kind = opts.kind ?? inferBlockKind(text);
  const problem = blockPatternProblem(kind, text);
  if (problem) return { ok: false, error: `cannot block ${JSON.stringify(text)}: ${problem}` };
  const reason = opts.reason?.trim();
  if (reason !== undefined && reason.length > MAX_TEXT_LENGTH) {
    return { ok: false, error: `the reason is longer than ${MAX_TEXT_LENGTH} characters` };
  }
  const entry: BlockEntry = { pattern: text, kind };
  if (reason) entry.reason = reason;
  if (opts.addedBy) entry.added_by = opts.addedBy;
  entry.added_at = new Date(opts.nowMs).toISOString();
  return { ok: true, entry };
}

function samePattern(a: BlockEntry, b: { pattern: string; kind?: BlockKind }): boolean {
  if (b.kind !== undefined && a.kind !== b.kind) return false;
  // Server names and globs match without regard to case; user IDs and names are compared as typed.
  return a.kind === "server" || a.kind === "glob"
    ? a.pattern.toLowerCase() === b.pattern.trim().toLowerCase()
    : a.pattern === b.pattern.trim();
}

/** Adds an entry unless the same pattern of the same kind is already there; `entry` is the listed one. */
export function addBlockEntry(
  list: Blocklist,
  entry: BlockEntry,
): { list: Blocklist; added: boolean; entry: BlockEntry } {
  const existing = list.entries.find((e) => samePattern(e, entry));
  if (existing) return { list, added: false, entry: existing };
  return { list: { ...list, entries: [...list.entries, entry] }, added: true, entry };
}

/** Removes the entries with this pattern (of this kind, when given). */
export function removeBlockEntry(
  list: Blocklist,
  pattern: string,
  kind?: BlockKind,
): { list: Blocklist; removed: BlockEntry[] } {
  const removed = list.entries.filter((entry) => samePattern(entry, { pattern, kind }));
  if (removed.length === 0) return { list, removed };
  return { list: { ...list, entries: list.entries.filter((e) => !removed.includes(e)) }, removed };
}

/** Someone at a door: a knock, a lobby join, a signup, a webhook request, a member. */
export interface BlockCandidate {
  userId: string;
  displayName?: string;
}

export interface BlockMatch {
  entry: BlockEntry;
  /** "@5pamm3r:evil.org matches blocked @spammer:evil.org: leet-speak folding". */
  explanation: string;
  /** Set when the match was fuzzy: the distance and the folding steps it needed. */
  fuzzy?: FuzzyHit;
}

/** A blocklist prepared for matching: globs compiled, names folded once. */
export interface CompiledBlocklist {
  users: Map<string, BlockEntry>;
  servers: { entry: BlockEntry; host: string }[];
  globs: { entry: BlockEntry; regex: RegExp }[];
  /** Blocked users by server host, for fuzzy matching on the same server. */
  usersByHost: Map<string, { entry: BlockEntry; localpart: FoldedName }[]>;
  names: { entry: BlockEntry; name: FoldedName }[];
}

export function compileBlocklist(list: Blocklist): CompiledBlocklist {
  const compiled: CompiledBlocklist = {
    users: new Map(),
    servers: [],
    globs: [],
    usersByHost: new Map(),
    names: [],
  };
  for (const entry of list.entries) {
    switch (entry.kind) {
      case "user": {
        const parts = parseUserId(entry.pattern);
        if (!parts) break;
        if (!compiled.users.has(entry.pattern)) compiled.users.set(entry.pattern, entry);
        const onHost = compiled.usersByHost.get(parts.host) ?? [];
        onHost.push({ entry, localpart: foldName(parts.localpart) });
        compiled.usersByHost.set(parts.host, onHost);
        break;
      }
      case "server": {
        const host = serverHost(entry.pattern);
        if (host !== undefined) compiled.servers.push({ entry, host });
        break;
      }
      case "glob":
        compiled.globs.push({ entry, regex: matrixGlob(entry.pattern) });
        break;
      case "displayname":
        compiled.names.push({ entry, name: foldName(entry.pattern) });
        break;
    }
  }
  return compiled;
}

/**
 * The first blocklist entry that catches the candidate, or undefined. Firm
 * evidence comes before fuzzy: the exact user ID, then servers, then globs,
 * then disguised user IDs on the same server, then display names; within a
 * pass, entries in file order. The explanation quotes the candidate's own
 * strings: show it to moderators through the console's sanitizer, never to the newcomer.
 */
export function matchBlocklist(
  list: CompiledBlocklist,
  candidate: BlockCandidate,
): BlockMatch | undefined {
  const { userId, displayName } = candidate;
  const exact = list.users.get(userId);
  if (exact) return { entry: exact, explanation: `${userId} is blocked` };

  const parts = parseUserId(userId);
  if (parts) {
    for (const { entry, host } of list.servers) {
      if (parts.host === host || parts.host.endsWith(`.${host}`)) {
        return { entry, explanation: `${userId} matches blocked server ${entry.pattern}` };
      }
    }
  }
  for (const { entry, regex } of list.globs) {
    if (regex.test(userId))
      return { entry, explanation: `${userId} matches blocked glob ${entry.pattern}` };
  }
  const sameHost = parts ? list.usersByHost.get(parts.host) : undefined;
  if (parts && sameHost) {
    const folded = foldName(parts.localpart);
    for (const { entry, localpart } of sameHost) {
      const hit = fuzzyMatch(folded, localpart);
      if (hit) {
        return {
          entry,
          explanation: `${userId} matches blocked ${entry.pattern}: ${hit.explanation}`,
          fuzzy: hit,
        };
      }
    }
  }
  if (displayName !== undefined && displayName !== "") {
    for (const { entry } of list.names) {
      if (displayName === entry.pattern) {
        return { entry, explanation: `display name ${JSON.stringify(displayName)} is blocked` };
      }
    }
    const folded = list.names.length > 0 ? foldName(displayName) : undefined;
    for (const { entry, name } of folded ? list.names : []) {
      const hit = fuzzyMatch(folded!, name);
      if (hit) {
        return {
          entry,
          explanation: `display name ${JSON.stringify(displayName)} matches blocked display name ${JSON.stringify(entry.pattern)}: ${hit.explanation}`,
          fuzzy: hit,
        };
      }
    }
  }
  return undefined;
}
