/**
 * The one key registry. Every binding says which keys run it, what it does (for
 * the help screen), a short hint (for the hint bar), whether it destroys
 * something (it then confirms, Cancel focused), where it applies, and why it is
 * disabled when it is: disabled keys still answer, with the reason, so muscle
 * memory keeps working. The dispatcher, the hint bar, the help screen and the
 * `:` command line all read this list; nothing else defines a key.
 */
import type { PendingInvite } from "../../core/invites.js";
import type { LobbyRecord } from "../../core/lobby.js";
import type { VettingRecord } from "../../core/vetting.js";
import { VIEWS, type ConsoleState, type Screen, type ViewId } from "../state/console-state.js";
import type { BlockRow, CodeRow, MemberRow, TokenRow } from "../state/rows.js";
import type { TriageItem } from "../state/triage.js";
import type { ConsoleActions } from "./console-actions.js";

export interface BindingContext {
  readonly state: ConsoleState;
  readonly screen: Screen;
  readonly readonly: boolean;
  /** The knock or vetting room the moderator is on, if any. */
  readonly record: VettingRecord | undefined;
  /** The lobby the moderator is on, if any (never both). */
  readonly lobby: LobbyRecord | undefined;
  /** The stuck thing selected in the Triage view. */
  readonly trouble: TriageItem | undefined;
  readonly code: CodeRow | undefined;
  /** The codes marked with Space that are still in the list. */
  readonly markedCodes: readonly CodeRow[];
  /** The homeserver registration token selected in the Codes view. */
  readonly token: TokenRow | undefined;
  /** The blocklist entry or member selected in their views. */
  readonly block: BlockRow | undefined;
  readonly member: MemberRow | undefined;
}

export interface Binding {
  /** Also its name on the `:` command line. */
  readonly id: string;
  /** Key names as the dispatcher spells them: "j", "R", "enter", "esc", "ctrl+c", "down". */
  readonly keys: readonly string[];
  readonly description: string;
  readonly hint: string;
  /** Shown on the hint bar (the help screen shows every binding). */
  readonly onBar: boolean;
  readonly destructive: boolean;
  /** Changes something in the community: disabled in read-only mode. */
  readonly mutates: boolean;
  readonly screens: readonly Screen[];
  /** What the command line takes after the name, for the help screen. */
  readonly args?: string;
  disabled(ctx: BindingContext): string | undefined;
  run(ctx: BindingContext, actions: ConsoleActions, args: string): void;
}

const ALL: readonly Screen[] = [...VIEWS, "detail"];
/** Every view but Health, which is a report, not a list. */
const LISTS: readonly Screen[] = VIEWS.filter((view) => view !== "health");
const RECORD_SCREENS: readonly Screen[] = ["knocks", "vetting", "triage", "detail"];

type Check<T> = (subject: T) => string | undefined;
const never = (): undefined => undefined;
/** Whether a binding applies to the knock, vetting room or lobby the moderator is on, and why not. */
const onSubject =
  (record: Check<VettingRecord> | undefined, lobby: Check<LobbyRecord> | string) =>
  (ctx: BindingContext): string | undefined => {
    if (ctx.record) return record?.(ctx.record);
    if (ctx.lobby) return typeof lobby === "string" ? lobby : lobby(ctx.lobby);
    // A Triage row about an invite has no room to open or act on.
    return ctx.trouble?.subject.invite ? "not for an invite" : "nothing selected";
  };
const NOT_FOR_LOBBY = "not for a lobby";
const needsRecord = (check?: Check<VettingRecord>) => onSubject(check, NOT_FOR_LOBBY);
const mustBeOpen = (subject: { readonly phase: string }) =>
  subject.phase === "open" ? undefined : "not open";
const mustBeOpening = (subject: { readonly phase: string }) =>
  subject.phase === "open" || subject.phase === "opening" ? undefined : "not open";
/** The invite a Triage row stands for, or the one sent to the selected passed knock, if still unanswered. */
const pendingInvite = (ctx: BindingContext): PendingInvite | undefined => {
  if (ctx.trouble?.subject.invite) return ctx.trouble.subject.invite;
  const record = ctx.record;
  if (record?.phase !== "passed") return undefined;
  return ctx.state.invites.find((invite) => invite.user === record.user);
};
/** Blocklist and members: only when the console was started with moderation. */
const moderated =
  (row: (ctx: BindingContext) => unknown) =>
  (ctx: BindingContext): string | undefined => {
    if (!ctx.state.moderation.available) return "not available in this console";
    return row(ctx) ? undefined : "nothing selected";
  };
const ACTIVE = new Set(["held", "opening", "open", "awaiting_moderator"]);
const OVERRIDABLE = new Set(["failed", "timed_out", "denied"]);

interface Spec extends Partial<Omit<Binding, "id" | "keys" | "description" | "hint" | "run">> {
  readonly id: string;
  readonly keys: readonly string[];
  readonly description: string;
  readonly hint: string;
  run(ctx: BindingContext, actions: ConsoleActions, args: string): void;
}

function binding(spec: Spec): Binding {
  const check = spec.disabled ?? never;
  const mutates = spec.mutates ?? false;
  return {
    onBar: false,
    destructive: false,
    screens: ALL,
    ...spec,
    mutates,
    // Read-only comes first: an observer learns why before anything else.
    disabled: (ctx) => (mutates && ctx.readonly ? "read-only" : check(ctx)),
  };
}

const viewBinding = (view: ViewId, key: string, title: string) =>
  binding({
    id: view,
    keys: [key],
    description: `show the ${title} view`,
    hint: title.toLowerCase(),
    run: (_ctx, actions) => actions.showView(view),
  });

export const REGISTRY: readonly Binding[] = [
  binding({
    id: "help",
    keys: ["?"],
    description: "help: every key and command, searchable; Enter runs one",
    hint: "help",
    onBar: true,
    run: (_ctx, actions) => actions.showHelp(),
  }),
  // Before quit: in the detail pane, q goes back.
  binding({
    id: "back",
    keys: ["esc", "q"],
    description: "back to the list",
    hint: "back",
    onBar: true,
    screens: ["detail"],
    run: (_ctx, actions) => actions.back(),
  }),
  binding({
    id: "clear",
    keys: ["esc"],
    description: "clear the marks, else the filter",
    hint: "clear",
    screens: LISTS,
    disabled: (ctx) =>
      ctx.screen !== "detail" &&
      (ctx.state.marks[ctx.screen].length > 0 || ctx.state.filters[ctx.screen])
        ? undefined
        : "no marks or filter",
    run: (_ctx, actions) => actions.clearMarksOrFilter(),
  }),
  binding({
    id: "quit",
    keys: ["q", "ctrl+c"],
    description: "quit the console (asks first)",
    hint: "quit",
    onBar: true,
    run: (_ctx, actions) => actions.askQuit(),
  }),
  viewBinding("knocks", "1", "Knocks"),
  viewBinding("vetting", "2", "Vetting"),
  viewBinding("codes", "3", "Codes"),
  viewBinding("log", "4", "Log"),
  viewBinding("health", "5", "Health"),
  viewBinding("daemon", "6", "Daemon log"),
  viewBinding("triage", "7", "Triage"),
  viewBinding("blocklist", "8", "Blocklist"),
  viewBinding("members", "9", "Members"),
  binding({
    id: "next-view",
    keys: ["tab"],
    description: "next view",
    hint: "views",
    onBar: true,
    run: (_ctx, actions) => actions.cycleView(1),
  }),
  binding({
    id: "previous-view",
    keys: ["shift+tab"],
    description: "previous view",
    hint: "previous view",
    run: (_ctx, actions) => actions.cycleView(-1),
  }),
  binding({
    id: "down",
    keys: ["j", "down"],
    description: "select the next row",
    hint: "down",
    screens: LISTS,
    run: (_ctx, actions) => actions.move(1),
  }),
  binding({
    id: "up",
    keys: ["k", "up"],
    description: "select the previous row",
    hint: "up",
    screens: LISTS,
    run: (_ctx, actions) => actions.move(-1),
  }),
  binding({
    id: "top",
    keys: ["g", "home"],
    description: "select the first row",
    hint: "top",
    screens: LISTS,
    run: (_ctx, actions) => actions.moveToEnd("top"),
  }),
  binding({
    id: "bottom",
    keys: ["G", "end"],
    description: "select the last row",
    hint: "bottom",
    screens: LISTS,
    run: (_ctx, actions) => actions.moveToEnd("bottom"),
  }),
  binding({
    id: "page-down",
    keys: ["pgdn", "ctrl+d"],
    description: "one page down",
    hint: "page down",
    screens: LISTS,
    run: (_ctx, actions) => actions.page(1),
  }),
  binding({
    id: "page-up",
    keys: ["pgup", "ctrl+u"],
    description: "one page up",
    hint: "page up",
    screens: LISTS,
    run: (_ctx, actions) => actions.page(-1),
  }),
  binding({
    id: "open",
    keys: ["enter"],
    description: "open the knock, vetting room or lobby: details and live transcript",
    hint: "open",
    onBar: true,
    screens: ["knocks", "vetting", "triage"],
    disabled: onSubject(never, never),
    run: (_ctx, actions) => actions.openDetail(),
  }),
  binding({
    id: "filter",
    keys: ["/"],
    description: "filter the list (Enter keeps it, Esc clears it)",
    hint: "filter",
    onBar: true,
    screens: LISTS,
    args: "[text]",
    run: (_ctx, actions, args) => actions.editFilter(args || undefined),
  }),
  binding({
    id: "command",
    keys: [":"],
    description: "command line, with Tab completion (e.g. :reject spam)",
    hint: "command",
    run: (_ctx, actions) => actions.openCommandLine(),
  }),
  binding({
    id: "pause",
    keys: ["p"],
    description: "pause the knock list (new knocks wait) or resume it",
    hint: "pause",
    onBar: true,
    screens: ["knocks"],
    run: (_ctx, actions) => actions.togglePause(),
  }),
  binding({
    id: "follow",
    keys: ["f"],
    description: "follow: keep the newest knock selected",
    hint: "follow",
    screens: ["knocks"],
    run: (_ctx, actions) => actions.toggleFollow(),
  }),
  binding({
    id: "fix",
    keys: ["f"],
    description: "the fix for the selected trouble (its key is on the row)",
    hint: "fix",
    onBar: true,
    mutates: true,
    screens: ["triage"],
    disabled: (ctx) => {
      if (!ctx.trouble) return "nothing selected";
      const fix = bindingById(ctx.trouble.fix);
      return fix ? fix.disabled(ctx) : "no fix";
    },
    run: (ctx, actions, args) => {
      const fix = ctx.trouble && bindingById(ctx.trouble.fix);
      fix?.run(ctx, actions, args);
    },
  }),
  binding({
    id: "approve",
    keys: ["a"],
    description:
      "approve: let the person in now (overrides a failed vetting; a pass held by a join wave)",
    hint: "approve",
    onBar: true,
    mutates: true,
    screens: RECORD_SCREENS,
    disabled: onSubject(
      (record) =>
        ACTIVE.has(record.phase) || OVERRIDABLE.has(record.phase)
          ? undefined
          : `already ${record.phase}`,
      (lobby) => (lobby.phase === "awaiting_moderator" ? undefined : "not for a lobby"),
    ),
    run: (ctx, actions) => {
      if (ctx.record) actions.moderate(ctx.record, { action: "approve" });
      else if (ctx.lobby) actions.moderateLobby(ctx.lobby, { action: "approve" });
    },
  }),
  binding({
    id: "reject",
    keys: ["x"],
    description: "reject the knock, with a reason the person sees (asks first)",
    hint: "reject",
    onBar: true,
    mutates: true,
    destructive: true,
    screens: RECORD_SCREENS,
    args: "[reason]",
    disabled: needsRecord((record) =>
      ACTIVE.has(record.phase) ? undefined : `already ${record.phase}`,
    ),
    run: (ctx, actions, args) => ctx.record && actions.askReject(ctx.record, args || undefined),
  }),
  binding({
    id: "add-try",
    keys: ["t"],
    description: "give one more try (open vetting room; in a lobby, everyone or one person)",
    hint: "+try",
    onBar: true,
    mutates: true,
    screens: RECORD_SCREENS,
    args: "[tries] [@user, lobby]",
    disabled: onSubject(mustBeOpen, mustBeOpen),
    run: (ctx, actions, args) => {
      const [count, user, ...rest] = args.split(/\s+/).filter(Boolean);
      const tries = count ? Number(count) : 1;
      if (!Number.isInteger(tries)) return actions.refuse(`add-try: "${count}" is not a number`);
      if (ctx.record) {
        if (user) return actions.refuse("add-try: a vetting room has one person; no user needed");
        return actions.moderate(ctx.record, { action: "addTries", tries });
      }
      if (rest.length > 0) return actions.refuse("add-try: tries and one user at most");
      if (ctx.lobby) {
        actions.moderateLobby(ctx.lobby, { action: "addTries", tries, ...(user ? { user } : {}) });
      }
    },
  }),
  binding({
    id: "extend",
    keys: ["e"],
    description: "extend the vetting room or lobby by 30 minutes",
    hint: "+30m",
    onBar: true,
    mutates: true,
    screens: RECORD_SCREENS,
    args: "[minutes]",
    disabled: onSubject(mustBeOpen, mustBeOpen),
    run: (ctx, actions, args) => {
      const minutes = args ? Number(args) : 30;
      if (!Number.isFinite(minutes)) return actions.refuse(`extend: "${args}" is not a number`);
      const action = { action: "extend", seconds: Math.round(minutes * 60) } as const;
      if (ctx.record) actions.moderate(ctx.record, action);
      else if (ctx.lobby) actions.moderateLobby(ctx.lobby, action);
    },
  }),
  binding({
    id: "say",
    keys: ["s"],
    description: "say something in the vetting room or lobby as the bot",
    hint: "say",
    onBar: true,
    mutates: true,
    screens: RECORD_SCREENS,
    args: "[text]",
    disabled: onSubject(mustBeOpen, mustBeOpen),
    run: (ctx, actions, args) => {
      if (ctx.record) actions.askSay(ctx.record, args || undefined);
      else if (ctx.lobby) actions.askSayLobby(ctx.lobby, args || undefined);
    },
  }),
  binding({
    id: "repost",
    keys: ["R"],
    description:
      "post the challenge again with a new topic (a nudge); `:repost TOPIC / KEYWORD` picks it",
    hint: "repost",
    mutates: true,
    screens: RECORD_SCREENS,
    args: "[topic / keyword]",
    disabled: needsRecord(mustBeOpen),
    run: (ctx, actions, args) => {
      if (!ctx.record) return;
      if (!args.trim()) return actions.moderate(ctx.record, { action: "repost" });
      const [topic, keyword, ...rest] = args.split("/").map((part) => part.trim());
      if (!topic || !keyword || rest.length > 0) {
        return actions.refuse(
          "repost: give a topic and a keyword, as `a lighthouse in fog / beam`",
        );
      }
      actions.moderate(ctx.record, { action: "repost", challenge: { topic, keyword } });
    },
  }),
  binding({
    id: "close",
    keys: ["c"],
    description: "close the vetting room or lobby without a decision (asks first)",
    hint: "close",
    mutates: true,
    destructive: true,
    screens: RECORD_SCREENS,
    disabled: onSubject(mustBeOpening, mustBeOpening),
    run: (ctx, actions) => {
      if (ctx.record) actions.askClose(ctx.record);
      else if (ctx.lobby) actions.askCloseLobby(ctx.lobby);
    },
  }),
  binding({
    id: "vet",
    keys: ["v"],
    description: "send a held knock (no code) to vetting: a room and the challenge",
    hint: "to vetting",
    onBar: true,
    mutates: true,
    screens: RECORD_SCREENS,
    disabled: needsRecord((record) => (record.phase === "held" ? undefined : "not held")),
    run: (ctx, actions) => ctx.record && actions.moderate(ctx.record, { action: "vet" }),
  }),
  binding({
    id: "reinvite",
    keys: ["i"],
    description: "invite a passed newcomer again (after the invite failed)",
    hint: "re-invite",
    mutates: true,
    screens: RECORD_SCREENS,
    disabled: needsRecord((record) => (record.phase === "passed" ? undefined : "not passed")),
    run: (ctx, actions) => ctx.record && actions.moderate(ctx.record, { action: "reinvite" }),
  }),
  binding({
    id: "withdraw",
    keys: ["w"],
    description:
      "withdraw an unanswered invite (a Triage row, or a passed knock not yet in): the space and every room it went to (asks first)",
    hint: "withdraw",
    mutates: true,
    destructive: true,
    screens: RECORD_SCREENS,
    disabled: (ctx) => (pendingInvite(ctx) ? undefined : "no unanswered invite selected"),
    run: (ctx, actions) => {
      const invite = pendingInvite(ctx);
      if (invite) actions.askWithdrawInvite(invite);
    },
  }),
  binding({
    id: "ban",
    keys: ["b"],
    description:
      "ban the person from the space and every room, with a reason (asks first); their knock closes",
    hint: "ban",
    onBar: true,
    mutates: true,
    destructive: true,
    screens: [...RECORD_SCREENS, "members"],
    args: "[reason]",
    disabled: (ctx) =>
      ctx.screen === "members"
        ? moderated((c) => c.member)(ctx)
        : (moderated(() => true)(ctx) ?? needsRecord()(ctx)),
    run: (ctx, actions, args) => {
      const user = ctx.screen === "members" ? ctx.member?.member.user : ctx.record?.user;
      if (user) actions.askMemberAction("ban", user, args || undefined);
    },
  }),
  binding({
    id: "new-code",
    keys: ["n"],
    description: "new code or homeserver token: book, uses, label; shows the code and its link",
    hint: "new code",
    onBar: true,
    mutates: true,
    screens: ["codes"],
    run: (_ctx, actions) => actions.startMint(),
  }),
  binding({
    id: "edit-book",
    keys: ["E"],
    description: "edit a code book in $EDITOR; the changes are shown before anything is applied",
    hint: "edit book",
    mutates: true,
    screens: ["codes"],
    args: "[invite|signup]",
    run: (ctx, actions, args) => {
      const book = args || ctx.code?.book;
      if (book !== undefined && book !== "invite" && book !== "signup") {
        return actions.refuse(`edit-book: "${args}" is not a book (invite or signup)`);
      }
      actions.editBook(book);
    },
  }),
  binding({
    id: "revoke",
    keys: ["r"],
    description: "revoke the selected code or token, or every marked one (asks first)",
    hint: "revoke",
    onBar: true,
    mutates: true,
    destructive: true,
    screens: ["codes"],
    disabled: (ctx) =>
      ctx.code || ctx.token || ctx.markedCodes.length > 0 ? undefined : "nothing selected",
    run: (ctx, actions) => {
      if (ctx.markedCodes.length > 0) actions.askRevokeMarked(ctx.markedCodes);
      else if (ctx.code) actions.askRevoke(ctx.code);
      else if (ctx.token) actions.askRevokeToken(ctx.token);
    },
  }),
  binding({
    id: "mark",
    keys: [" "],
    description: "mark or unmark the code, for revoking several at once",
    hint: "mark",
    screens: ["codes"],
    disabled: (ctx) =>
      ctx.code
        ? undefined
        : ctx.token
          ? "homeserver tokens are revoked one at a time"
          : "nothing selected",
    run: (ctx, actions) => ctx.code && actions.toggleMark(ctx.code.id),
  }),
  binding({
    id: "copy-link",
    keys: ["y"],
    description:
      "copy the code's link, or the token itself, to your clipboard (OSC 52, works over SSH)",
    hint: "copy",
    onBar: true,
    screens: ["codes"],
    disabled: (ctx) => (ctx.code || ctx.token ? undefined : "nothing selected"),
    run: (ctx, actions) => {
      if (ctx.code) actions.copyLink(ctx.code);
      else if (ctx.token) actions.copyToken(ctx.token);
    },
  }),
  binding({
    id: "show-link",
    keys: ["enter", "v"],
    description: "show the code's link and its QR code (a homeserver token: the whole token)",
    hint: "QR",
    onBar: true,
    screens: ["codes"],
    disabled: (ctx) => (ctx.code || ctx.token ? undefined : "nothing selected"),
    run: (ctx, actions) => {
      if (ctx.code) actions.showLink(ctx.code);
      else if (ctx.token) actions.showToken(ctx.token);
    },
  }),
  binding({
    id: "fetch-tokens",
    keys: ["ctrl+r"],
    description: "fetch the homeserver's registration tokens again",
    hint: "fetch tokens",
    screens: ["codes"],
    disabled: (ctx) =>
      ctx.state.moderation.available ? undefined : "not available in this console",
    run: (_ctx, actions) => actions.refreshTokens(),
  }),
  binding({
    id: "block",
    keys: ["n"],
    description: "block a pattern: a user ID, a server, a glob or a display name; then a reason",
    hint: "block",
    onBar: true,
    mutates: true,
    screens: ["blocklist"],
    disabled: moderated(() => true),
    run: (_ctx, actions) => actions.startBlock(),
  }),
  binding({
    id: "unblock",
    keys: ["d"],
    description: "remove the selected blocklist entry (asks first)",
    hint: "unblock",
    onBar: true,
    mutates: true,
    destructive: true,
    screens: ["blocklist"],
    disabled: moderated((ctx) => ctx.block),
    run: (ctx, actions) => ctx.block && actions.askUnblock(ctx.block),
  }),
  binding({
    id: "promote",
    keys: ["p"],
    description: "give the selected member a role in the space and every room: pick it from a list",
    hint: "promote",
    onBar: true,
    mutates: true,
    screens: ["members"],
    disabled: moderated((ctx) => ctx.member),
    run: (ctx, actions) => ctx.member && actions.pickRole(ctx.member),
  }),
  binding({
    id: "demote",
    keys: ["D"],
    description: "demote the selected member to the rooms' default level (asks first)",
    hint: "demote",
    onBar: true,
    mutates: true,
    destructive: true,
    screens: ["members"],
    disabled: moderated((ctx) => ctx.member),
    run: (ctx, actions) => ctx.member && actions.askDemote(ctx.member),
  }),
  binding({
    id: "kick",
    keys: ["K"],
    description:
      "kick the selected member from the space and every room, with a reason (asks first)",
    hint: "kick",
    onBar: true,
    mutates: true,
    destructive: true,
    screens: ["members"],
    args: "[reason]",
    disabled: moderated((ctx) => ctx.member),
    run: (ctx, actions, args) =>
      ctx.member && actions.askMemberAction("kick", ctx.member.member.user, args || undefined),
  }),
  binding({
    id: "unban",
    keys: ["U"],
    description: "lift a ban in the space and every room: asks whom (or :unban @user reason)",
    hint: "unban",
    mutates: true,
    screens: ["blocklist", "members"],
    args: "[@user] [reason]",
    disabled: (ctx) =>
      ctx.state.moderation.available ? undefined : "not available in this console",
    run: (_ctx, actions, args) => {
      const [user, ...reason] = args.split(/\s+/).filter(Boolean);
      actions.unban(user, reason.join(" ") || undefined);
    },
  }),
  binding({
    id: "fetch",
    keys: ["ctrl+r"],
    description: "fetch the blocklist or members again",
    hint: "fetch again",
    screens: ["blocklist", "members"],
    disabled: moderated(() => true),
    run: (ctx, actions) => actions.refreshModeration(),
  }),
];

/** The binding a key runs on a screen: the first in the registry that claims it there. */
export function bindingFor(key: string, screen: Screen): Binding | undefined {
  return REGISTRY.find((b) => b.keys.includes(key) && b.screens.includes(screen));
}

export function bindingById(id: string): Binding | undefined {
  return REGISTRY.find((b) => b.id === id);
}

const KEY_LABELS: Readonly<Record<string, string>> = {
  enter: "Enter",
  esc: "Esc",
  tab: "Tab",
  "shift+tab": "S-Tab",
  up: "↑",
  down: "↓",
  pgup: "PgUp",
  pgdn: "PgDn",
  home: "Home",
  end: "End",
  " ": "Space",
};

/** How a key is written on screen: "j/↓", "Enter", "C-c". */
export function keyLabel(keys: readonly string[]): string {
  return keys
    .map((key) => KEY_LABELS[key] ?? (key.startsWith("ctrl+") ? `C-${key.slice(5)}` : key))
    .join("/");
}
