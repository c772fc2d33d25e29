/** What key bindings may ask of the console, by domain: the controller's modules implement them. */
import type { CodeBookName } from "../../core/api.js";
import type { LobbyAction } from "../../core/lobby/commands.js";
import type { LobbyRecord } from "../../core/lobby/record.js";
import type { PendingInvite } from "../../core/admission/invites.js";
import type { ModeratorAction } from "../../core/vetting/commands.js";
import type { VettingRecord } from "../../core/vetting/record.js";
import type { ViewId } from "../state/console-state.js";
import type { ThemeName } from "../theme.js";
import type { BlockRow, CodeRow, MemberRow, TokenRow } from "../state/rows.js";

/** Moving around: views, rows, the detail pane, filters, pause and follow, help, quit. */
export interface NavigationActions {
  showHelp(): void;
  askQuit(): void;
  showView(view: ViewId): void;
  cycleView(step: 1 | -1): void;
  move(delta: number): void;
  moveToEnd(end: "top" | "bottom"): void;
  page(direction: 1 | -1): void;
  openDetail(): void;
  back(): void;
  /** Esc on a list: the marks go first, then the filter. */
  clearMarksOrFilter(): void;
  toggleMark(rowId: string): void;
  editFilter(text?: string): void;
  openCommandLine(): void;
  togglePause(): void;
  toggleFollow(): void;
  /** The colours for a dark or a light terminal; without one, the other of the two. */
  setTheme(theme?: ThemeName): void;
}

/** Decisions on knocks and vetting rooms. */
export interface VettingActions {
  /** Runs a moderator command on a record now (the non-destructive ones). */
  moderate(record: VettingRecord, action: ModeratorAction): void;
  /** Reject: confirm, then ask for the reason unless one is given. */
  askReject(record: VettingRecord, reason?: string): void;
  askClose(record: VettingRecord): void;
  askSay(record: VettingRecord, text?: string): void;
}

/** Decisions on lobbies. */
export interface LobbyActions {
  /** Runs a lobby command now (more tries, more time). */
  moderateLobby(lobby: LobbyRecord, action: LobbyAction): void;
  askCloseLobby(lobby: LobbyRecord): void;
  askSayLobby(lobby: LobbyRecord, text?: string): void;
}

/** The code books. */
export interface CodeActions {
  startMint(): void;
  askRevoke(row: CodeRow): void;
  /** Revoke every marked code: the moderator types "revoke" first. */
  askRevokeMarked(rows: readonly CodeRow[]): void;
  /** The code's link to the moderator's clipboard (OSC 52). */
  copyLink(row: CodeRow): void;
  /** The code's link and its QR code. */
  showLink(row: CodeRow): void;
  /** The book in $EDITOR; the changes are shown and applied only when confirmed. */
  editBook(book?: CodeBookName): void;
  /** Homeserver registration tokens, listed beside the codes. */
  askRevokeToken(row: TokenRow): void;
  /** The token itself to the moderator's clipboard (OSC 52). */
  copyToken(row: TokenRow): void;
  /** The whole token, with its uses and expiry. */
  showToken(row: TokenRow): void;
  refreshTokens(): void;
}

/** The invites the engine sent that nobody answered. */
export interface InviteActions {
  /** Withdraw it (space and rooms): confirm first, Cancel focused. */
  askWithdrawInvite(invite: PendingInvite): void;
}

/** The blocklist and members' roles. */
export interface ModerationActions {
  /** Asks for a pattern, then a reason. */
  startBlock(): void;
  askUnblock(row: BlockRow): void;
  /** A list of the roles; the one picked is given at once. */
  pickRole(row: MemberRow): void;
  askDemote(row: MemberRow): void;
  /** Kick or ban across the space and its rooms: the reason (optional) first, then a Cancel-focused confirmation. */
  askMemberAction(action: "kick" | "ban", user: string, reason?: string): void;
  /** Lifts a ban at once; without a user, asks for one. */
  unban(user: string | undefined, reason?: string): void;
  /** Fetches the shown view's list again (and the open member's endorsements). */
  refreshModeration(): void;
  /** The member's detail: who vouched for them and whom they brought in. */
  openMember(row: MemberRow): void;
  /** Revoke every live code the member minted or was given: confirm first, Cancel focused. */
  askRevokeCodesOf(user: string): void;
}

export interface ConsoleActions
  extends
    NavigationActions,
    VettingActions,
    LobbyActions,
    CodeActions,
    ModerationActions,
    InviteActions {
  /** Tells the moderator something went wrong with what they asked for. */
  refuse(text: string): void;
}
