/**
 * The blocklist and members from the keyboard, and kick / ban / unban of a
 * member or a knocking person. The lists have no change stream: each view
 * fetches its list when shown (and on Ctrl+R), and after every change.
 */
import type { BlockKind } from "../../core/moderation/blocklist.js";
import type {
  EndorsementListing,
  MemberAction,
  ModerationApi,
  ModerationOutcome,
} from "../../core/moderation-api.js";
import type { ModerationActions } from "../keys/console-actions.js";
import { sanitize } from "../sanitize.js";
import type { ModerationData } from "../state/console-state.js";
import type { ConsoleCore } from "./console-core.js";

export function moderationActions(core: ConsoleCore): ModerationActions {
  return {
    startBlock: () => askPattern(core),
    askUnblock: (row) =>
      core.confirm({
        title: `Unblock ${row.shown.pattern}?`,
        lines: [
          `${row.shown.kind}${row.shown.reason ? ` · ${row.shown.reason}` : ""}`,
          "Whoever it matched can knock and join again.",
        ],
        confirmLabel: "Unblock",
        destructive: true,
        then: { kind: "unblock", pattern: row.entry.pattern, blockKind: row.entry.kind },
      }),
    pickRole: (row) => {
      if (core.state.moderation.roles.length === 0) return core.refuse("no roles are known yet");
      core.set({ overlay: { kind: "pickRole", user: row.member.user, index: 0 } });
    },
    askDemote: (row) =>
      core.confirm({
        title: `Demote ${row.shown.user}?`,
        lines: [
          `now: ${row.shown.roles || "no level"}`,
          "Their level goes back to each room's default, in the space and every room.",
        ],
        confirmLabel: "Demote",
        destructive: true,
        then: { kind: "demote", user: row.member.user },
      }),
    askMemberAction: (action, user, reason) =>
      reason === undefined
        ? core.prompt(`reason for the ${action} of ${sanitize(user, { max: 80 })} (optional)`, {
            kind: "memberReason",
            action,
            user,
          })
        : confirmMemberAction(core, action, user, reason),
    unban: (user, reason) =>
      user === undefined
        ? core.prompt("unban which user (@name:server)", { kind: "unbanUser" })
        : memberAction(core, "unban", user, reason),
    refreshModeration: () => void refreshModeration(core),
    openMember: (row) => {
      core.set({ detail: row.member.user });
      void refreshEndorsements(core);
    },
    askRevokeCodesOf: (user) => {
      const known = core.state.moderation.endorsements;
      const listing = known?.user === user && known.listing.ok ? known.listing : undefined;
      const count = listing?.endorsements.liveCodes.length;
      core.confirm({
        title: `Revoke every live code of ${sanitize(user, { max: 80 })}?`,
        lines: [
          count === undefined
            ? "Every code they minted or were given, in both books."
            : `${count} live code${count === 1 ? "" : "s"} they minted or were given, in both books.`,
          "Links with these codes stop working at once; whoever came in with them stays.",
        ],
        confirmLabel: "Revoke",
        destructive: true,
        then: { kind: "revokeCodesOf", user },
      });
    },
  };
}

function askPattern(core: ConsoleCore, value = ""): void {
  core.prompt(
    "block which pattern (@user:server, server name, glob, or a display name)",
    { kind: "blockPattern" },
    value,
  );
}

export function submitBlockPattern(core: ConsoleCore, value: string): void {
  const pattern = value.trim();
  if (!pattern) return core.refuse("block: a pattern is needed");
  core.prompt(`reason for blocking ${sanitize(pattern, { max: 80 })} (optional)`, {
    kind: "blockReason",
    pattern,
  });
}

export function submitBlockReason(core: ConsoleCore, pattern: string, reason: string): void {
  void run(core, `blocking ${pattern}`, (api) =>
    api.addBlock(pattern, reason.trim() || undefined, core.options.by),
  );
}

/** Removes exactly that entry: another kind's entry of the same pattern stays. */
export function unblock(core: ConsoleCore, pattern: string, kind: BlockKind): void {
  void run(core, `unblocking ${pattern} (${kind})`, (api) =>
    api.removeBlock(pattern, core.options.by, kind),
  );
}

export function promote(core: ConsoleCore, user: string, role: string): void {
  void run(core, `making ${user} ${role}`, (api) => api.setRole(user, role, core.options.by));
}

export function demote(core: ConsoleCore, user: string): void {
  void run(core, `demoting ${user}`, (api) => api.demote(user, core.options.by));
}

const MEMBER_ACTION_EFFECT = {
  kick: "They are removed from the space and every room; they can knock again.",
  ban: "They are banned from the space and every room, and a knock of theirs closes. :unban lifts it.",
};

/** Kick or ban, once the reason is known: confirm with Cancel focused. */
export function confirmMemberAction(
  core: ConsoleCore,
  action: "kick" | "ban",
  user: string,
  reason: string | undefined,
): void {
  const verb = action === "ban" ? "Ban" : "Kick";
  core.confirm({
    title: `${verb} ${sanitize(user, { max: 80 })}?`,
    lines: [
      reason === undefined ? "No reason given." : `Reason: ${sanitize(reason, { max: 200 })}`,
      MEMBER_ACTION_EFFECT[action],
    ],
    confirmLabel: verb,
    destructive: true,
    then: { kind: "memberAction", action, user, reason },
  });
}

const DOING: Readonly<Record<MemberAction, string>> = {
  kick: "kicking",
  ban: "banning",
  unban: "unbanning",
};

export function memberAction(
  core: ConsoleCore,
  action: MemberAction,
  user: string,
  reason: string | undefined,
): void {
  void run(core, `${DOING[action]} ${user}`, (api) =>
    api.memberAction(user, action, reason, core.options.by),
  );
}

/** The user typed after `:unban` asked for one. */
export function unbanTyped(core: ConsoleCore, value: string): void {
  const user = value.trim();
  if (!user) return core.refuse("unban: a user ID is needed, e.g. @name:example.org");
  memberAction(core, "unban", user, undefined);
}

export function revokeCodesOf(core: ConsoleCore, user: string): void {
  void run(core, `revoking the codes of ${user}`, (api) =>
    api.revokeCodesOf(user, core.options.by),
  );
}

/** A change: a busy line, then the outcome, then the list fetched again. */
async function run(
  core: ConsoleCore,
  doing: string,
  change: (api: ModerationApi) => Promise<ModerationOutcome>,
): Promise<void> {
  const api = core.options.moderation;
  if (!api) return core.refuse("not available in this console");
  core.set({ notice: { tone: "busy", text: `${sanitize(doing, { max: 200 })}…` } });
  try {
    const outcome = await change(api);
    core.set({
      notice: outcome.ok
        ? { tone: "info", text: sanitize(outcome.summary, { max: 300 }) }
        : { tone: "error", text: `refused: ${sanitize(outcome.error, { max: 300 })}` },
    });
  } catch (error) {
    core.refuse(`failed: ${sanitize((error as Error).message, { max: 300 })}`);
  }
  await refreshModeration(core);
}

function setModeration(core: ConsoleCore, patch: Partial<ModerationData>): void {
  core.update((state) => ({ ...state, moderation: { ...state.moderation, ...patch } }));
}

/** Fetches the open member's endorsements; the detail says "fetching…" until then. */
async function refreshEndorsements(core: ConsoleCore): Promise<void> {
  const api = core.options.moderation;
  const user = core.state.view === "members" ? core.state.detail : undefined;
  if (!api || user === undefined) return;
  if (core.state.moderation.endorsements?.user !== user) {
    setModeration(core, { endorsements: undefined });
  }
  let listing: EndorsementListing;
  try {
    listing = await api.endorsements(user);
  } catch (error) {
    listing = { ok: false, error: sanitize((error as Error).message, { max: 300 }) };
  }
  if (core.state.detail === user) setModeration(core, { endorsements: { user, listing } });
}

/** Fetches the list of the view being shown (blocklist, or members with the roles). */
export async function refreshModeration(core: ConsoleCore): Promise<void> {
  const api = core.options.moderation;
  const { view } = core.state;
  if (!api || (view !== "blocklist" && view !== "members")) return;
  if (view === "members" && core.state.detail !== undefined) await refreshEndorsements(core);
  try {
    if (view === "blocklist") {
      setModeration(core, { blocklist: await api.blocklist(), error: undefined });
    } else {
      const [members, roles] = await Promise.all([api.members(), api.roles()]);
      setModeration(core, { members, roles, error: undefined });
    }
  } catch (error) {
    setModeration(core, { error: sanitize((error as Error).message, { max: 300 }) });
  }
}
