/**
 * What a key binding is, and the checks the bindings share: where one applies,
 * and why it is disabled (registry.ts lists them all).
 */
import type { PendingInvite } from "../../core/admission/invites.js";
import type { LobbyRecord } from "../../core/lobby/record.js";
import type { VettingRecord } from "../../core/vetting/record.js";
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

const ALL: readonly Screen[] = [...VIEWS, "detail", "member"];
/** Every view but Health, which is a report, not a list. */
export const LISTS: readonly Screen[] = VIEWS.filter((view) => view !== "health");
export const RECORD_SCREENS: readonly Screen[] = ["knocks", "vetting", "triage", "detail"];

export type Check<T> = (subject: T) => string | undefined;
export const never = (): undefined => undefined;
/** Whether a binding applies to the knock, vetting room or lobby the moderator is on, and why not. */
export const onSubject =
  (record: Check<VettingRecord> | undefined, lobby: Check<LobbyRecord> | string) =>
  (ctx: BindingContext): string | undefined => {
    if (ctx.record) return record?.(ctx.record);
    if (ctx.lobby) return typeof lobby === "string" ? lobby : lobby(ctx.lobby);
    // A Triage row about an invite has no room to open or act on.
    return ctx.trouble?.subject.invite ? "not for an invite" : "nothing selected";
  };
const NOT_FOR_LOBBY = "not for a lobby";
export const needsRecord = (check?: Check<VettingRecord>) => onSubject(check, NOT_FOR_LOBBY);
export const mustBeOpen = (subject: { readonly phase: string }) =>
  subject.phase === "open" ? undefined : "not open";
export const mustBeOpening = (subject: { readonly phase: string }) =>
  subject.phase === "open" || subject.phase === "opening" ? undefined : "not open";
/** The invite a Triage row stands for, or the one sent to the selected passed knock, if still unanswered. */
export const pendingInvite = (ctx: BindingContext): PendingInvite | undefined => {
  if (ctx.trouble?.subject.invite) return ctx.trouble.subject.invite;
  const record = ctx.record;
  if (record?.phase !== "passed") return undefined;
  return ctx.state.invites.find((invite) => invite.user === record.user);
};
/** Blocklist and members: only when the console was started with moderation. */
export const moderated =
  (row: (ctx: BindingContext) => unknown) =>
  (ctx: BindingContext): string | undefined => {
    if (!ctx.state.moderation.available) return "not available in this console";
    return row(ctx) ? undefined : "nothing selected";
  };
export const ACTIVE = new Set(["held", "opening", "open", "awaiting_moderator"]);
export const OVERRIDABLE = new Set(["failed", "timed_out", "denied"]);

interface Spec extends Partial<Omit<Binding, "id" | "keys" | "description" | "hint" | "run">> {
  readonly id: string;
  readonly keys: readonly string[];
  readonly description: string;
  readonly hint: string;
  run(ctx: BindingContext, actions: ConsoleActions, args: string): void;
}

export function binding(spec: Spec): Binding {
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

export const viewBinding = (view: ViewId, key: string, title: string) =>
  binding({
    id: view,
    keys: [key],
    description: `show the ${title} view`,
    hint: title.toLowerCase(),
    run: (_ctx, actions) => actions.showView(view),
  });
