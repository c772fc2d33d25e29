/**
 * Everything the console shows and where the moderator is in it: the engine's
 * records, code books and audit entries as the change stream delivered them,
 * and the console's own place (view, selection, filter, the open dialog).
 */
import type { CodeBookName } from "../../core/api.js";
import type { CodeBook } from "../../core/codes/code-book.js";
import type { LobbyRecord } from "../../core/lobby/record.js";
import type { BlockEntry, BlockKind } from "../../core/moderation/blocklist.js";
import type { PendingInvite } from "../../core/admission/invites.js";
import type { Role } from "../../core/moderation/power-levels.js";
import type { EndorsementListing, MemberAction, MemberLevels } from "../../core/moderation-api.js";
import type { LobbyAction } from "../../core/lobby/commands.js";
import type { VettingRecord } from "../../core/vetting/record.js";
import type { ModeratorAction } from "../../core/vetting/commands.js";
import type { CodeBookEdit } from "../format/code-book-diff.js";
import { noDaemonLog, type DaemonLog } from "./daemon-log.js";
import type { ConsoleHealth } from "./health.js";
import type { RegistrationToken } from "../../core/ports.js";
import { noTokens, type TokenData } from "./registration-tokens.js";
import type { ThemeName } from "../theme.js";

export const VIEWS = [
  "knocks",
  "vetting",
  "codes",
  "log",
  "health",
  "daemon",
  "triage",
  "blocklist",
  "members",
] as const;
export type ViewId = (typeof VIEWS)[number];
/** A view, the detail pane of one knock, vetting room or lobby, or one member's (from Members). */
export type Screen = ViewId | "detail" | "member";

export const VIEW_TITLES: Readonly<Record<ViewId, string>> = {
  knocks: "Knocks",
  vetting: "Vetting",
  codes: "Codes",
  log: "Log",
  health: "Health",
  daemon: "Daemon log",
  triage: "Triage",
  blocklist: "Blocklist",
  members: "Members",
};

/** The log keeps this many audit entries; older ones fall off the end. */
export const MAX_AUDIT_LINES = 10_000;
/** Closed records beyond this many are forgotten by the console (the engine keeps its own). */
export const MAX_RECORDS = 5_000;

export interface AuditLine {
  /** The console's own running number: a stable identity for selection. */
  readonly id: number;
  /** Unix seconds. */
  readonly ts: number;
  readonly type: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** What a confirmed dialog goes on to do. */
export type Followup =
  | { kind: "moderate"; key: string; user: string; action: ModeratorAction }
  | { kind: "moderateLobby"; key: string; name: string; action: LobbyAction }
  | { kind: "applyCodeEdit"; book: CodeBookName; edit: CodeBookEdit }
  /** A book edit that did not parse: open the editor again on what was written. */
  | { kind: "reopenEditor"; book: CodeBookName; text: string; base: CodeBook }
  | { kind: "askRejectReason"; key: string; user: string }
  | { kind: "revoke"; book: CodeBookName; code: string }
  | { kind: "revokeMany"; codes: readonly { book: CodeBookName; code: string }[] }
  | { kind: "revokeToken"; token: string }
  /** One blocklist entry: its pattern and its kind (another kind's entry of the same pattern stays). */
  | { kind: "unblock"; pattern: string; blockKind: BlockKind }
  | { kind: "withdrawInvite"; user: string }
  | { kind: "demote"; user: string }
  /** Kick, ban or unban across the space and its rooms, through the ModerationApi. */
  | { kind: "memberAction"; action: MemberAction; user: string; reason: string | undefined }
  /** Every live code the member minted or was given, in both books. */
  | { kind: "revokeCodesOf"; user: string }
  | { kind: "quit" };

/** What a text prompt's answer is for. */
export type PromptPurpose =
  | { kind: "rejectReason"; key: string; user: string }
  | { kind: "say"; key: string; user: string }
  | { kind: "lobbySay"; key: string; name: string }
  | { kind: "mintUses"; book: CodeBookName }
  | { kind: "mintLabel"; book: CodeBookName; uses: number }
  /** When the new code stops working: empty for never. */
  | { kind: "mintExpiry"; book: CodeBookName; uses: number; label: string }
  /** A homeserver registration token: uses (empty: no limit), then its lifetime. */
  | { kind: "tokenUses" }
  | { kind: "tokenExpiry"; uses: number | undefined }
  | { kind: "blockPattern" }
  | { kind: "blockReason"; pattern: string }
  /** The optional reason for a kick or a ban, asked before the confirmation. */
  | { kind: "memberReason"; action: "kick" | "ban"; user: string }
  /** `:unban` without a user: whom to unban. */
  | { kind: "unbanUser" };

export interface ConfirmDialog {
  readonly kind: "confirm";
  readonly title: string;
  readonly lines: readonly string[];
  readonly confirmLabel: string;
  readonly destructive: boolean;
  readonly focus: "cancel" | "confirm";
  /** Bulk actions: the word to type before the confirm button works. */
  readonly typeWord?: string;
  readonly typed?: string;
  readonly then: Followup;
}

export type Overlay =
  | { readonly kind: "help"; readonly query: string; readonly index: number }
  | ConfirmDialog
  | {
      readonly kind: "prompt";
      readonly label: string;
      readonly value: string;
      readonly purpose: PromptPurpose;
    }
  /** Which book a new code goes in (or a homeserver token), or which book to edit. */
  | { readonly kind: "pickBook"; readonly for: "mint" | "edit" }
  /** Which role to give a member: `index` into the roles. */
  | { readonly kind: "pickRole"; readonly user: string; readonly index: number }
  | { readonly kind: "command"; readonly value: string }
  | { readonly kind: "filter" }
  | {
      readonly kind: "minted";
      readonly book: CodeBookName;
      readonly code: string;
      readonly uses: number;
      readonly label: string;
      /** Unix seconds; absent when the code never ends. */
      readonly expiresAt?: number;
      readonly link: string;
    }
  /** A homeserver registration token: just issued, or the selected one in full. */
  | { readonly kind: "token"; readonly token: RegistrationToken; readonly isNew: boolean }
  | {
      readonly kind: "codeLink";
      readonly book: CodeBookName;
      readonly code: string;
      readonly link: string;
      /** Dark modules filled, for terminals with a light background. */
      readonly isInverted: boolean;
    };

export interface Notice {
  readonly tone: "info" | "error" | "busy";
  readonly text: string;
}

/** The selected row by identity, with its last position for when it disappears. */
export interface Selection {
  readonly id: string | undefined;
  readonly index: number;
}

/** The blocklist and members as last fetched; they have no change stream, so views refetch. */
export interface ModerationData {
  /** False when the console was started without moderation: the views say so. */
  readonly available: boolean;
  readonly blocklist: readonly BlockEntry[] | undefined;
  readonly members: readonly MemberLevels[] | undefined;
  readonly roles: readonly Role[];
  /** Why the last fetch failed, while it did. */
  readonly error: string | undefined;
  /** The open member's endorsements, as last fetched (undefined while fetching). */
  readonly endorsements:
    { readonly user: string; readonly listing: EndorsementListing } | undefined;
}

export interface ConsoleState {
  /** The last engine event applied; older ones are dropped. */
  readonly seq: number;
  readonly records: ReadonlyMap<string, VettingRecord>;
  readonly lobbies: ReadonlyMap<string, LobbyRecord>;
  readonly codes: Readonly<Record<CodeBookName, CodeBook>>;
  /** The invites the engine sent that nobody answered yet (none from an engine that predates them). */
  readonly invites: readonly PendingInvite[];
  /** Oldest first, at most MAX_AUDIT_LINES. */
  readonly audit: readonly AuditLine[];
  readonly nextAuditId: number;
  readonly view: ViewId;
  /** The record key shown in the detail pane, over `view`; in Members, the member's user ID. */
  readonly detail: string | undefined;
  readonly selection: Readonly<Record<ViewId, Selection>>;
  readonly filters: Readonly<Record<ViewId, string>>;
  /** Knocks: the selection jumps to each new knock. */
  readonly follow: boolean;
  /** Knocks: the rows shown when paused; new knocks wait until resumed. */
  readonly frozen: readonly string[] | undefined;
  readonly overlay: Overlay | undefined;
  readonly notice: Notice | undefined;
  /** Attached: why the event stream to the daemon is down, while it is. */
  readonly offline: string | undefined;
  /** The last health report, and why the last check failed if it did. */
  readonly health: ConsoleHealth | undefined;
  readonly healthError: string | undefined;
  /** Rows marked with Space for a bulk action, by view. */
  readonly marks: Readonly<Record<ViewId, readonly string[]>>;
  /** The daemon's own log, when this console can read it. */
  readonly daemonLog: DaemonLog;
  readonly moderation: ModerationData;
  /** Homeserver registration tokens, shown in the Codes view beside the code books. */
  readonly tokens: TokenData;
  /**
   * The console's time (ms) for lists that depend on it (Triage: "no reply
   * for 40 min"): refreshed on every key, every engine batch and a timer, so
   * the lists stay pure functions of the state.
   */
  readonly clock: number;
  /** Remembered between runs (preferences.ts): the colours, and how the QR code is drawn. */
  readonly theme: ThemeName;
  /** The code-link QR view opens inverted (dark modules filled), for light terminals. */
  readonly qrInverted: boolean;
}

const noSelection: Selection = { id: undefined, index: 0 };

export const initialConsoleState: ConsoleState = {
  seq: -1,
  records: new Map(),
  lobbies: new Map(),
  codes: { invite: {}, signup: {} },
  invites: [],
  audit: [],
  nextAuditId: 1,
  view: "knocks",
  detail: undefined,
  selection: {
    knocks: noSelection,
    vetting: noSelection,
    codes: noSelection,
    log: noSelection,
    health: noSelection,
    daemon: noSelection,
    triage: noSelection,
    blocklist: noSelection,
    members: noSelection,
  },
  filters: {
    knocks: "",
    vetting: "",
    codes: "",
    log: "",
    health: "",
    daemon: "",
    triage: "",
    blocklist: "",
    members: "",
  },
  follow: false,
  frozen: undefined,
  overlay: undefined,
  notice: undefined,
  offline: undefined,
  health: undefined,
  healthError: undefined,
  marks: {
    knocks: [],
    vetting: [],
    codes: [],
    log: [],
    health: [],
    daemon: [],
    triage: [],
    blocklist: [],
    members: [],
  },
  daemonLog: noDaemonLog("not connected"),
  moderation: {
    available: false,
    blocklist: undefined,
    members: undefined,
    roles: [],
    error: undefined,
    endorsements: undefined,
  },
  tokens: noTokens,
  clock: 0,
  theme: "dark",
  qrInverted: false,
};

export function screenOf(state: ConsoleState): Screen {
  if (state.detail === undefined) return state.view;
  return state.view === "members" ? "member" : "detail";
}
