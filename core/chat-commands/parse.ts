/**
 * Reads an operator's message into a chat command. A message that is not one
 * of our commands is `none` (other bots in the room have their own `!` words,
 * so an unknown one gets no answer); a known command typed wrongly is `usage`
 * with a one-line explanation to send back.
 */
import {
  COMMAND_USAGE,
  isCommandName,
  type ChatCommand,
  type CommandName,
  type Lifetime,
  type MintKind,
} from "./commands.js";
import { hasControlCharacters, withoutControlCharacters } from "./matrix-ids.js";
import { isUserId } from "../moderation/matrix-ids.js";

export type ParsedMessage =
  | { readonly kind: "none" }
  | { readonly kind: "command"; readonly command: ChatCommand }
  | { readonly kind: "usage"; readonly name: CommandName; readonly error: string };

export const MINT_LIMITS = { count: { min: 1, max: 50 }, uses: { min: 1, max: 1000 } } as const;
export const MAX_LABEL_LENGTH = 200;
const MAX_REASON_LENGTH = 500;
const MAX_PATTERN_LENGTH = 255;
const MAX_CODE_LENGTH = 100;

interface Token {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

class UsageError extends Error {}

export function parseChatCommand(body: string): ParsedMessage {
  const match = /^\s*!([A-Za-z]+)(?=\s|$)/.exec(body);
  const word = match?.[1]?.toLowerCase();
  if (!match || !word || !isCommandName(word)) return { kind: "none" };
  const rest = body.slice(match[0].length);
  try {
    return { kind: "command", command: parseArguments(word, rest) };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return { kind: "usage", name: word, error: error.message };
  }
}

function parseArguments(name: CommandName, rest: string): ChatCommand {
  const tokens = tokenize(rest);
  switch (name) {
    case "mint":
      // `!mint token …` issues a homeserver registration token rather than a code.
      if (tokens[0]?.text.toLowerCase() === "token")
        return parseTokenIssue("mint", tokens.slice(1));
      return parseMint(tokens, rest);
    case "token": {
      const op = tokens[0]?.text.toLowerCase();
      if (op === "issue") return parseTokenIssue("token", tokens.slice(1));
      if (op === "list" && tokens.length === 1) return { name, op };
      if (op === "revoke" && tokens.length === 2) {
        const token = tokens[1]?.text ?? "";
        if (!/^[\x21-\x7e]{1,256}$/.test(token))
          throw new UsageError("!token revoke: that is not a registration token");
        return { name, op, token };
      }
      throw usage(name);
    }
    case "revoke": {
      const code = tokens[0]?.text;
      if (tokens.length !== 1 || code === undefined) throw usage(name);
      if (code.length > MAX_CODE_LENGTH || hasControlCharacters(code)) {
        throw new UsageError("!revoke: that is not a code");
      }
      return { name, code };
    }
    case "approve": {
      const user = userArgument(name, tokens[0]);
      if (tokens.length !== 1) throw usage(name);
      return { name, user };
    }
    case "reject":
    case "kick":
    case "ban":
    case "unban": {
      const user = userArgument(name, tokens[0]);
      const reason = reasonAfter(name, tokens[0], rest);
      return reason === undefined ? { name, user } : { name, user, reason };
    }
    case "promote": {
      const user = userArgument(name, tokens[0]);
      const role = tokens[1]?.text;
      if (tokens.length !== 2 || role === undefined) throw usage(name);
      if (!/^[A-Za-z][A-Za-z0-9_-]{0,31}$/.test(role)) {
        throw new UsageError(`!promote: a role is a name such as moderator, got '${shown(role)}'`);
      }
      return { name, user, role: role.toLowerCase() };
    }
    case "demote": {
      const user = userArgument(name, tokens[0]);
      if (tokens.length !== 1) throw usage(name);
      return { name, user };
    }
    case "block": {
      const pattern = tokens[0]?.text;
      if (pattern === undefined) throw usage(name);
      if (pattern.length > MAX_PATTERN_LENGTH || !/^[\x21-\x7e]+$/.test(pattern)) {
        throw new UsageError(
          `!block: a pattern is a user ID, a server name or a glob such as *:spam.example, got '${shown(pattern)}'`,
        );
      }
      const reason = reasonAfter(name, tokens[0], rest);
      return reason === undefined ? { name, pattern } : { name, pattern, reason };
    }
    case "codes":
    case "stats":
    case "held":
    case "resume":
    case "help":
      return { name };
  }
}

export const TOKEN_LIMITS = { uses: { min: 1, max: 1_000_000 }, maxLifetimeMs: 366 * 86_400_000 };
const UNIT_MS: Readonly<Record<string, number>> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

function parseTokenIssue(name: "mint" | "token", tokens: readonly Token[]): ChatCommand {
  let uses: number | undefined;
  let expires: Lifetime | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const option = /^(--uses|--expires)(?:=(.*))?$/.exec((tokens[i] as Token).text);
    if (!option) {
      throw new UsageError(
        `!${name}: unexpected ${shown((tokens[i] as Token).text)}; usage: !mint token [--uses U] [--expires 7d|ISO]`,
      );
    }
    const value = option[2] ?? tokens[++i]?.text;
    if (option[1] === "--uses") {
      uses = wholeNumber(`!${name}: --uses`, value, TOKEN_LIMITS.uses.min, TOKEN_LIMITS.uses.max);
    } else {
      expires = lifetime(name, value ?? "");
    }
  }
  return {
    name: "token",
    op: "issue",
    ...(uses === undefined ? {} : { uses }),
    ...(expires === undefined ? {} : { expires }),
  };
}

/** `7d`, `12h`, `30m`, `2w`, or an ISO 8601 date/time (checked against the clock when run). */
function lifetime(name: string, value: string): Lifetime {
  const relative = /^([0-9]{1,6})([mhdw])$/.exec(value);
  if (relative) {
    const inMs = Number(relative[1]) * (UNIT_MS[relative[2] as string] as number);
    if (inMs <= 0 || inMs > TOKEN_LIMITS.maxLifetimeMs)
      throw new UsageError(`!${name}: --expires must be from 1m to 366d`);
    return { inMs };
  }
  const atMs = /^\d{4}-\d{2}-\d{2}(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(value)
    ? Date.parse(value)
    : Number.NaN;
  if (!Number.isFinite(atMs)) {
    throw new UsageError(
      `!${name}: --expires takes a lifetime such as 7d, 12h, 30m or a date such as 2026-12-31, got '${shown(value)}'`,
    );
  }
  return { atMs };
}

function parseMint(tokens: readonly Token[], rest: string): ChatCommand {
  let kind: MintKind | undefined;
  let count: number | undefined;
  let uses: number | undefined;
  let expires: Lifetime | undefined;
  const labelTokens: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    const expiry = /^--expires(?:=(.*))?$/.exec(token.text);
    if (expiry) {
      expires = lifetime("mint", expiry[1] ?? tokens[++i]?.text ?? "");
      continue;
    }
    const option = /^(-n|--n|--uses)(?:=(.*))?$/.exec(token.text);
    if (option) {
      const flag = option[1] === "--uses" ? "--uses" : "-n";
      let value = option[2];
      if (value === undefined) value = tokens[++i]?.text;
      const limits = flag === "-n" ? MINT_LIMITS.count : MINT_LIMITS.uses;
      const parsed = wholeNumber(`!mint: ${flag}`, value, limits.min, limits.max);
      if (flag === "-n") count = parsed;
      else uses = parsed;
      continue;
    }
    if (/^--?[A-Za-z]/.test(token.text)) {
      throw new UsageError(
        `!mint: unknown option ${shown(token.text)}; usage: ${COMMAND_USAGE.mint.usage}`,
      );
    }
    const word = token.text.toLowerCase();
    if (kind === undefined && labelTokens.length === 0 && (word === "knock" || word === "signup")) {
      kind = word;
      continue;
    }
    labelTokens.push(token);
  }
  const label = labelOf(labelTokens, tokens, rest);
  return {
    name: "mint",
    kind: kind ?? "knock",
    count: count ?? 1,
    uses: uses ?? 1,
    ...(label === undefined ? {} : { label }),
    ...(expires === undefined ? {} : { expires }),
  };
}

/**
 * The label as typed: the stretch of the message from its first to its last
 * word, spacing kept; only when options sit between label words are the
 * words joined with one space.
 */
function labelOf(labelTokens: Token[], all: readonly Token[], rest: string): string | undefined {
  const first = labelTokens[0];
  const last = labelTokens.at(-1);
  if (!first || !last) return undefined;
  const contiguous = all.indexOf(last) - all.indexOf(first) === labelTokens.length - 1;
  const label = contiguous
    ? rest.slice(first.start, last.end)
    : labelTokens.map((t) => t.text).join(" ");
  if (label.length > MAX_LABEL_LENGTH) {
    throw new UsageError(`!mint: a label is at most ${MAX_LABEL_LENGTH} characters`);
  }
  if (hasControlCharacters(label)) {
    throw new UsageError("!mint: a label must be one line without control characters");
  }
  return label;
}

function wholeNumber(what: string, value: string | undefined, min: number, max: number): number {
  if (value === undefined || !/^[0-9]+$/.test(value)) {
    throw new UsageError(`${what} needs a number, got '${shown(value ?? "")}'`);
  }
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`${what} must be ${min}..${max}, got ${value}`);
  return n;
}

function userArgument(name: CommandName, token: Token | undefined): string {
  if (token === undefined) throw usage(name);
  if (!isUserId(token.text)) {
    throw new UsageError(
      `!${name}: not a Matrix user ID (like @alice:example.org): '${shown(token.text)}'`,
    );
  }
  return token.text;
}

/** Everything after the first argument, as typed (trimmed); undefined when there is nothing. */
function reasonAfter(
  name: CommandName,
  token: Token | undefined,
  rest: string,
): string | undefined {
  if (token === undefined) return undefined;
  const reason = rest.slice(token.end).trim();
  if (!reason) return undefined;
  if (reason.length > MAX_REASON_LENGTH || hasControlCharacters(reason)) {
    throw new UsageError(
      `!${name}: a reason is one line of at most ${MAX_REASON_LENGTH} characters`,
    );
  }
  return reason;
}

function usage(name: CommandName): UsageError {
  return new UsageError(`usage: ${COMMAND_USAGE[name].usage}`);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const m of text.matchAll(/\S+/g)) {
    tokens.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  }
  return tokens;
}

/** A bit of what was typed, for an error message: short, and without control characters. */
function shown(text: string): string {
  const clean = withoutControlCharacters(text);
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}
