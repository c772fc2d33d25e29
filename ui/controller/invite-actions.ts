/**
 * The invites the engine sent that nobody answered: a moderator withdraws one
 * from the Triage view (the space and every room it went to), after a confirm
 * that starts on Cancel.
 */
import type { PendingInvite } from "../../core/admission/invites.js";
import { relative } from "../format/time.js";
import type { InviteActions } from "../keys/console-actions.js";
import { sanitize } from "../sanitize.js";
import type { ConsoleCore } from "./console-core.js";

export function inviteActions(core: ConsoleCore): InviteActions {
  return {
    askWithdrawInvite: (invite: PendingInvite) => {
      const who = sanitize(invite.user, { max: 80 });
      const rooms = invite.rooms.length;
      core.confirm({
        title: `Withdraw the invite of ${who}?`,
        lines: [
          `invited ${relative(invite.invitedAt, core.options.now())} via ${sanitize(invite.via, { max: 40 })}, to the space${rooms > 1 ? ` and ${rooms - 1} room${rooms === 2 ? "" : "s"}` : ""}`,
          "The invites are taken back; rooms they already joined are left alone.",
        ],
        confirmLabel: "Withdraw",
        destructive: true,
        then: { kind: "withdrawInvite", user: invite.user },
      });
    },
  };
}

/** After the confirm: the engine takes the invite back; the Triage row goes with the change stream. */
export async function withdrawInvite(core: ConsoleCore, user: string): Promise<void> {
  const who = sanitize(user, { max: 80 });
  core.set({ notice: { tone: "busy", text: `withdrawing the invite of ${who}…` } });
  try {
    const result = await core.options.api.withdrawInvite(user, core.options.by);
    core.set({
      notice: result.ok
        ? { tone: "info", text: `withdrew the invite of ${who}` }
        : { tone: "error", text: `withdraw refused: ${sanitize(result.error, { max: 300 })}` },
    });
  } catch (error) {
    core.refuse(`withdraw failed: ${sanitize((error as Error).message, { max: 300 })}`);
  }
}
