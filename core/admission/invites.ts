/**
 * Invites anteroom sent (a pass, a moderator's approve) and what becomes of
 * them: a welcome when the person joins the space, a reminder after a while,
 * withdrawal once they expire. Pure: `dueInviteActions` compares the book
 * with the space's membership (level-triggered) and says what to do; the
 * engine does it and records it.
 */

export interface InviteSettings {
  /** After this long unanswered, a reminder (audit + console); 0 turns it off. */
  readonly remindSec: number;
  /** After this long unanswered, the invite is withdrawn; 0 never withdraws. */
  readonly expireSec: number;
  /** Posted in the welcome room when the person joins the space; empty turns it off. */
  readonly welcomeText: string;
  /** Where the welcome goes; none: no welcome. */
  readonly welcomeRoom?: string;
}

export const DEFAULT_INVITE_SETTINGS: InviteSettings = {
  remindSec: 86_400,
  expireSec: 7 * 86_400,
  welcomeText: "glad you made it — say hello and tell us a little about yourself!",
};

export interface PendingInvite {
  readonly user: string;
  /** When the invites were sent (ms). */
  readonly invitedAt: number;
  /** The rooms the person was invited to: the space first. */
  readonly rooms: readonly string[];
  /** What let them in: vetting, lobby, a moderator. */
  readonly via: string;
  remindedAt?: number;
  /**
   * A withdrawal began (the space invite may be taken back already): it is finished in
   * every room on the next pass, whatever the space now shows.
   */
  readonly withdrawing?: InviteWithdrawal;
}

/** Why an invite is taken back, and by which moderator when one asked. */
export interface InviteWithdrawal {
  readonly reason: "expired" | "moderator";
  readonly by?: string;
}

export type InviteBook = Record<string, PendingInvite>;

export type InviteAction =
  | { kind: "welcome"; invite: PendingInvite }
  | { kind: "remind"; invite: PendingInvite }
  | { kind: "withdraw"; invite: PendingInvite }
  /** They declined, were removed or banned: nothing more to do. */
  | { kind: "forget"; invite: PendingInvite; membership: string };

/**
 * What is due for each tracked invite, given the space's membership now.
 * `membershipOf` gives undefined when the space's state does not show the
 * person (yet): nothing is decided then.
 */
export function dueInviteActions(
  book: InviteBook,
  membershipOf: (user: string) => string | undefined,
  now: number,
  settings: InviteSettings,
): InviteAction[] {
  const actions: InviteAction[] = [];
  for (const invite of Object.values(book)) {
    if (invite.withdrawing) {
      actions.push({ kind: "withdraw", invite });
      continue;
    }
    const membership = membershipOf(invite.user);
    if (membership === "join") {
      actions.push({ kind: "welcome", invite });
    } else if (membership === "invite") {
      const age = now - invite.invitedAt;
      if (settings.expireSec > 0 && age >= settings.expireSec * 1000)
        actions.push({ kind: "withdraw", invite });
      else if (
        settings.remindSec > 0 &&
        invite.remindedAt === undefined &&
        age >= settings.remindSec * 1000
      )
        actions.push({ kind: "remind", invite });
    } else if (
      (membership === "leave" || membership === "ban") &&
      now - invite.invitedAt >= STALE_STATE_GRACE_MS
    ) {
      actions.push({ kind: "forget", invite, membership });
    }
    // "knock" or unknown: the invite is not in the state we see yet.
  }
  return actions;
}

/**
 * A sync that began before the invite went out still shows the old "leave":
 * only a leave seen this long after the invite means a declined invite.
 */
const STALE_STATE_GRACE_MS = 60_000;

const NAME_LIMIT = 64;

/**
 * The welcome line. The display name is data from Matrix: control and
 * formatting characters go, whitespace collapses, length is capped; the
 * message is plain text, so nothing in it can become markup.
 */
export function welcomeMessage(
  user: string,
  displayName: string | undefined,
  text: string,
): string {
  const name = cleanName(displayName) || user;
  return `welcome, ${name}! ${text.trim()}`;
}

function cleanName(name: string | undefined): string {
  if (!name) return "";
  const plain = name
    // C0/C1 controls, bidi overrides and isolates, zero-width characters.
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, "")
    .replace(/\s+/g, " ")
    .trim();
  return [...plain].slice(0, NAME_LIMIT).join("");
}
