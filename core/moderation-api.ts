/**
 * ModerationApi: moderation for the console, beside EngineApi (api.ts) — the
 * blocklist, the members with their roles, kick/ban/unban, registration tokens,
 * endorsements. Attached, it is the daemon's admin API over the socket
 * (src/control/moderation-api.ts); in-process, the runtime's services
 * (src/control/runtime-moderation.ts). A request the daemon refuses (a bad
 * pattern, an unknown role) resolves as `{ok: false}`; a daemon that cannot be
 * reached rejects.
 */
import type { CodeBookName } from "./api.js";
import type { Endorsement } from "./admission/endorsements.js";
import type { BlockEntry, BlockKind } from "./moderation/blocklist.js";
import type { Role } from "./moderation/power-levels.js";
import type { RegistrationToken } from "./ports.js";

export interface MemberLevels {
  readonly user: string;
  readonly displayName?: string;
  /** Power level per room ID; null is unlimited (a room creator). */
  readonly levels: Readonly<Record<string, number | null>>;
}

export type MemberAction = "kick" | "ban" | "unban";

/** One room's result: done (or already so), or failed at the homeserver. */
export type RoomMemberResult =
  | { readonly roomId: string; readonly outcome: "done" }
  | {
      readonly roomId: string;
      readonly outcome: "failed";
      readonly reason: string;
      /** The homeserver may accept it later (down, rate-limited): worth a retry. */
      readonly transient: boolean;
    };

export type ModerationOutcome =
  { readonly ok: true; readonly summary: string } | { readonly ok: false; readonly error: string };

/** The homeserver's registration tokens, or why they cannot be had (the bot is not a server admin…). */
export type TokenListing =
  | { readonly ok: true; readonly tokens: readonly RegistrationToken[] }
  | { readonly ok: false; readonly error: string };

export type TokenIssued =
  | { readonly ok: true; readonly token: RegistrationToken }
  | { readonly ok: false; readonly error: string };

/** What a new registration token may be given; without either, it is unlimited and never expires. */
export interface TokenRequest {
  readonly uses?: number;
  /** ms since the epoch. */
  readonly expiresAt?: number;
}

/** A person's place in the tree and the live codes a revoke would stop, as the admin API and the console show it. */
export interface MemberEndorsements {
  readonly user: string;
  readonly endorsedBy: Endorsement | undefined;
  readonly endorsed: readonly Endorsement[];
  readonly liveCodes: readonly { book: CodeBookName; code: string }[];
}

/** Who vouched for a member and whom they brought in, or why that cannot be had. */
export type EndorsementListing =
  | { readonly ok: true; readonly endorsements: MemberEndorsements }
  | { readonly ok: false; readonly error: string };

export interface ModerationApi {
  blocklist(): Promise<readonly BlockEntry[]>;
  addBlock(pattern: string, reason: string | undefined, by: string): Promise<ModerationOutcome>;
  /** Removes the pattern's entries; of that kind only, when given. */
  removeBlock(pattern: string, by: string, kind?: BlockKind): Promise<ModerationOutcome>;
  members(): Promise<readonly MemberLevels[]>;
  /** The configured roles, lowest first as configured. */
  roles(): Promise<readonly Role[]>;
  setRole(user: string, role: string, by: string): Promise<ModerationOutcome>;
  demote(user: string, by: string): Promise<ModerationOutcome>;
  /** Kick, ban or unban across the space and its rooms; a room that failed makes it `{ok: false}`. */
  memberAction(
    user: string,
    action: MemberAction,
    reason: string | undefined,
    by: string,
  ): Promise<ModerationOutcome>;
  /** Homeserver registration tokens: what the homeserver refuses is `{ok: false}`, as above. */
  registrationTokens(): Promise<TokenListing>;
  issueToken(request: TokenRequest, by: string): Promise<TokenIssued>;
  revokeToken(token: string, by: string): Promise<ModerationOutcome>;
  /** Who vouched for `user` and whom they brought in (endorsements.jsonl), with their live codes. */
  endorsements(user: string): Promise<EndorsementListing>;
  /** Revokes every live code `user` minted or was given, in both books, each audited with `by`. */
  revokeCodesOf(user: string, by: string): Promise<ModerationOutcome>;
}
