/**
 * Carries out an operator's chat command through EngineApi (codes, audit) and
 * the OperatorActions (moderation), and says how it went in one message.
 */
import type { CodeBookName, EngineApi, EngineSnapshot } from "../../core/api.js";
import { lifetimeEnd, type ChatCommand, type MintKind } from "../../core/chat-commands/commands.js";
import { mayActOn } from "../../core/chat-commands/authorize.js";
import {
  codesReply,
  defaultMintLabel,
  helpText,
  mintReply,
  notAvailableReply,
  revokeReply,
  tokenFailedReply,
  tokenIssuedReply,
  tokensReply,
} from "../../core/chat-commands/replies.js";
import { heldReply, knockOf, waitingForModerator } from "../../core/chat-commands/held.js";
import { HomeserverError } from "../../core/ports.js";
import { isUserId } from "../../core/moderation/matrix-ids.js";
import { codeNamed } from "../../core/codes/lookup.js";
import { revokeCodesOf } from "../moderation/endorsements.js";
import type { AuditedTokens } from "../moderation/audited-tokens.js";
import {
  dayStats,
  STATS_RECORD_TYPES,
  STATS_WINDOW_SEC,
  statsReply,
} from "../../core/chat-commands/stats.js";
import type { ActionOutcome, OperatorActions } from "./operator-actions.js";

export interface CommandContext {
  readonly sender: string;
  /** HS_PUBLIC: the base of the links in a mint reply. */
  readonly publicUrl: string;
  readonly now: () => number;
  /** The sender's reach (core/chat-commands/authorize.ts operatorAuthority). */
  readonly authority: number;
  /** Someone's power level in the operator room (unlimited for its creators). */
  readonly levelOf: (user: string) => number;
}

/** What the commands need of EngineApi. */
export type ChatCommandsApi = Pick<EngineApi, "mintCode" | "revokeCode" | "audit" | "moderate"> & {
  /** `!resume`; absent where the front end has no engine behind it. */
  resumeJoinWave?: EngineApi["resumeJoinWave"];
  snapshot(): Pick<EngineSnapshot, "codes" | "signupCodes" | "records" | "lobbies" | "invites">;
};

/** The file each book is kept in, named as the reference approver's replies named it. */
const BOOK_FILE: Readonly<Record<CodeBookName, string>> = {
  invite: "codes.json",
  signup: "signup_codes.json",
};

export async function runChatCommand(
  command: ChatCommand,
  context: CommandContext,
  api: ChatCommandsApi,
  actions: OperatorActions,
): Promise<string> {
  const by = context.sender;
  switch (command.name) {
    case "mint": {
      const label = command.label ?? defaultMintLabel(by);
      const now = context.now();
      const endsAt = command.expires && lifetimeEnd(command.expires, now);
      if (endsAt !== undefined && endsAt <= now) return "!mint: --expires is in the past";
      const expiresAt = endsAt === undefined ? {} : { expiresAt: Math.floor(endsAt / 1000) };
      const codes: string[] = [];
      for (let i = 0; i < command.count; i++) {
        const request = { uses: command.uses, label, by, ...expiresAt };
        codes.push((await api.mintCode(bookOf(command.kind), request)).code);
      }
      return mintReply(context.publicUrl, command.kind, codes, label, command.uses, endsAt);
    }
    case "codes": {
      const snapshot = api.snapshot();
      return codesReply(
        { knock: snapshot.codes, signup: snapshot.signupCodes },
        context.now() / 1000,
      );
    }
    case "revoke": {
      if (!isUserId(command.code)) return revoke(command.code, by, api);
      // `!revoke @user`: every live code they minted or were given, so their line stops.
      const revoked = await revokeCodesOf(api, command.code, by, context.now());
      return revoked.length === 0
        ? `${command.code} has no live codes (minted or given) to revoke.`
        : `revoked ${revoked.length} code${revoked.length === 1 ? "" : "s"} of ${command.code}: ${revoked.map((r) => r.code).join(", ")}`;
    }
    case "stats": {
      const records = await api.audit({
        sinceTs: context.now() / 1000 - STATS_WINDOW_SEC,
        types: STATS_RECORD_TYPES,
      });
      return statsReply(dayStats(records, context.now()));
    }
    case "help":
      return helpText();
    case "held": {
      const { records, lobbies, invites } = api.snapshot();
      const now = context.now();
      return heldReply(waitingForModerator(records, lobbies, invites ?? [], now), now);
    }
    case "approve":
    case "reject":
      return decideKnock(command, by, api);
    case "resume": {
      if (!api.resumeJoinWave) return notAvailableReply(command.name);
      const resumed = await api.resumeJoinWave(by);
      return resumed.ok
        ? "auto-approval resumed: the newcomers waiting for a moderator are being let in."
        : `nothing to resume: ${resumed.error}.`;
    }
    case "kick":
    case "ban":
    case "unban": {
      const act = actions[command.name]?.bind(actions);
      if (!act) return notAvailableReply(command.name);
      return (
        outranked(command.name, command.user, context) ??
        outcomeReply(command.name, await act(command.user, command.reason, by, context.authority))
      );
    }
    case "promote":
      if (!actions.promote) return notAvailableReply("promote");
      return (
        outranked("promote", command.user, context) ??
        outcomeReply(
          "promote",
          await actions.promote(command.user, command.role, by, context.authority),
        )
      );
    case "demote":
      if (!actions.demote) return notAvailableReply("demote");
      return (
        outranked("demote", command.user, context) ??
        outcomeReply("demote", await actions.demote(command.user, by, context.authority))
      );
    case "token":
      return actions.tokens
        ? runTokenCommand(command, actions.tokens, by, context.now())
        : notAvailableReply("token");
    case "block":
      return actions.block
        ? outcomeReply("block", await actions.block(command.pattern, command.reason, by))
        : notAvailableReply("block");
  }
}

/** `!mint token`, `!token issue|list|revoke` on the homeserver; its refusal is said plainly. */
async function runTokenCommand(
  command: Extract<ChatCommand, { name: "token" }>,
  tokens: AuditedTokens,
  by: string,
  nowMs: number,
): Promise<string> {
  try {
    switch (command.op) {
      case "issue": {
        const expiresAt = command.expires && lifetimeEnd(command.expires, nowMs);
        if (expiresAt !== undefined && expiresAt <= nowMs)
          return "!mint token: --expires is in the past";
        const token = await tokens.issue(
          {
            ...(command.uses === undefined ? {} : { uses: command.uses }),
            ...(expiresAt === undefined ? {} : { expiresAt }),
          },
          { by, via: "chat" },
        );
        return tokenIssuedReply(token, nowMs);
      }
      case "list":
        return tokensReply(await tokens.list(), nowMs);
      case "revoke":
        return (await tokens.revoke(command.token, { by, via: "chat" }))
          ? `revoked registration token ${command.token}`
          : `no registration token ${command.token} on the homeserver`;
    }
  } catch (error) {
    if (!(error instanceof HomeserverError)) throw error;
    const what = command.op === "issue" ? "mint token" : `token ${command.op}`;
    return error.transient
      ? `!${what} failed: the homeserver did not answer; try again (${error.message})`
      : tokenFailedReply(what, error.message);
  }
}

/** `!approve USER` / `!reject USER [reason]`: the person's open (or, to approve, turned-away) knock. */
async function decideKnock(
  command: Extract<ChatCommand, { name: "approve" | "reject" }>,
  by: string,
  api: ChatCommandsApi,
): Promise<string> {
  const record = knockOf(api.snapshot().records, command.user, command.name);
  if (!record) return `!${command.name}: ${command.user} has no knock waiting for a moderator`;
  const action =
    command.name === "approve"
      ? ({ action: "approve" } as const)
      : ({ action: "reject", ...(command.reason ? { reason: command.reason } : {}) } as const);
  const result = await api.moderate(record.key, action, by);
  if (!result.ok) return `!${command.name} ${command.user}: ${result.error}`;
  return command.name === "approve"
    ? `approved ${command.user}: they are being invited into the space and its rooms.`
    : `rejected ${command.user}${command.reason ? ` (${command.reason})` : ""}.`;
}

/** Revokes the code in whichever book has it (codes are matched without regard to case, as when redeemed). */
async function revoke(wanted: string, by: string, api: ChatCommandsApi): Promise<string> {
  const snapshot = api.snapshot();
  const revokedIn: string[] = [];
  let shown = wanted;
  for (const [book, codes] of [
    ["invite", snapshot.codes],
    ["signup", snapshot.signupCodes],
  ] as const) {
    const code = codeNamed(codes, wanted);
    if (code === undefined) continue;
    const result = await api.revokeCode(book, code, by);
    if (result.ok) {
      revokedIn.push(BOOK_FILE[book]);
      shown = code;
    }
  }
  return revokeReply(shown, revokedIn);
}

/**
 * The refusal when the target is not below the operator in the operator room (their rank among
 * operators); undefined when they are. The services check the rooms the action touches.
 */
function outranked(name: string, user: string, context: CommandContext): string | undefined {
  const level = context.levelOf(user);
  if (mayActOn(context.authority, level)) return undefined;
  return `!${name}: ${user} has power level ${level} in this room, not below yours (${context.authority})`;
}

function outcomeReply(name: string, outcome: ActionOutcome): string {
  return outcome.ok ? outcome.summary : `!${name} failed: ${outcome.error}`;
}

function bookOf(kind: MintKind): CodeBookName {
  return kind === "knock" ? "invite" : "signup";
}
