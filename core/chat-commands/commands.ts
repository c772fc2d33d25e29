/** The chat commands an operator can type, each with its one-line usage (what `!help` shows). */
export type MintKind = "knock" | "signup";

/** `--expires 7d` (from now) or `--expires 2026-12-31` (a moment, ms since the epoch). */
export type Lifetime = { readonly inMs: number } | { readonly atMs: number };

/** When a lifetime ends (ms). */
export function lifetimeEnd(lifetime: Lifetime, nowMs: number): number {
  return "inMs" in lifetime ? nowMs + lifetime.inMs : lifetime.atMs;
}

export type ChatCommand =
  | {
      readonly name: "mint";
      readonly kind: MintKind;
      readonly count: number;
      readonly uses: number;
      /** As typed; absent means the default label ("minted by <sender>"). */
      readonly label?: string;
      /** A lifetime from now, or a moment (ms since the epoch); absent: no expiry. */
      readonly expires?: Lifetime;
    }
  | { readonly name: "codes" }
  /** `code` may be a user ID: then every live code that person minted or was given. */
  | { readonly name: "revoke"; readonly code: string }
  | { readonly name: "kick" | "ban" | "unban"; readonly user: string; readonly reason?: string }
  | { readonly name: "promote"; readonly user: string; readonly role: string }
  | { readonly name: "demote"; readonly user: string }
  | { readonly name: "block"; readonly pattern: string; readonly reason?: string }
  | {
      readonly name: "token";
      readonly op: "issue";
      /** Absent: unlimited uses. */
      readonly uses?: number;
      /** A lifetime from now, or a moment (ms since the epoch); absent: no expiry. */
      readonly expires?: Lifetime;
    }
  | { readonly name: "token"; readonly op: "list" }
  | { readonly name: "token"; readonly op: "revoke"; readonly token: string }
  | { readonly name: "stats" }
  | { readonly name: "held" }
  | { readonly name: "approve"; readonly user: string }
  | { readonly name: "reject"; readonly user: string; readonly reason?: string }
  | { readonly name: "resume" }
  | { readonly name: "help" };

export type CommandName = ChatCommand["name"];

export const COMMAND_USAGE: Readonly<Record<CommandName, { usage: string; what: string }>> = {
  mint: {
    usage: "!mint [knock|signup] [-n N] [--uses U] [--expires 7d|ISO] [label]",
    what: "new invite (knock) or signup codes; N 1–50, U 1–1000 uses each, optionally ending",
  },
  codes: { usage: "!codes", what: "the codes that still have uses" },
  revoke: {
    usage: "!revoke CODE|USER",
    what: "withdraw a code from either book, or every live code a person minted or was given",
  },
  kick: { usage: "!kick USER [reason]", what: "remove someone from the space and its rooms" },
  ban: { usage: "!ban USER [reason]", what: "ban someone from the space and its rooms" },
  unban: { usage: "!unban USER [reason]", what: "lift a ban in the space and its rooms" },
  promote: {
    usage: "!promote USER ROLE",
    what: "give a role (e.g. moderator, admin) across the space and its rooms",
  },
  demote: {
    usage: "!demote USER",
    what: "back to the default level across the space and its rooms",
  },
  block: {
    usage: "!block PATTERN [reason]",
    what: "add a user ID, server or glob to the blocklist",
  },
  token: {
    usage: "!token issue|list|revoke [--uses U] [--expires 7d|ISO] [TOKEN]",
    what: "homeserver registration tokens (also: !mint token [--uses U] [--expires 7d|ISO])",
  },
  stats: { usage: "!stats", what: "what happened in the last 24 hours" },
  held: {
    usage: "!held",
    what: "what waits for a moderator: held knocks, form requests, passes paused by a join wave, effects given up",
  },
  approve: {
    usage: "!approve USER",
    what: "let a held or waiting knock in (or override a failed one)",
  },
  reject: {
    usage: "!reject USER [reason]",
    what: "turn a held or open knock away, with the reason they see",
  },
  resume: {
    usage: "!resume",
    what: "end a join wave's pause now: the newcomers waiting for a moderator are let in",
  },
  help: { usage: "!help", what: "this list" },
};

export const COMMAND_NAMES = Object.keys(COMMAND_USAGE) as CommandName[];

export function isCommandName(word: string): word is CommandName {
  return Object.hasOwn(COMMAND_USAGE, word);
}
