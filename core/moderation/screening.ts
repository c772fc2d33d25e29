/**
 * Screening at the doors (knocks, lobby joins, signups, the watchdog): is this
 * person on the blocklist or a subscribed policy list? The check itself lives
 * in src/moderation (it reads the blocklist file and the policy rooms); the
 * engine only sees its answer, and decides here what that answer means.
 */

/** Why someone was caught. The explanation is for moderators only, never for the newcomer. */
export interface ScreenHit {
  readonly explanation: string;
  readonly source: "blocklist" | "policy";
  /**
   * Set when the blocklist caught a look-alike by edit distance (one or two
   * letters changed), not by the exact ID, a server, a glob or folding alone.
   */
  readonly guess?: boolean;
}

export type Screen = (candidate: {
  readonly userId: string;
  readonly displayName?: string | undefined;
}) => ScreenHit | undefined;

/**
 * What a hit does where a moderator can still decide before anyone gets in.
 * Firm evidence (the ID, a server, a glob, a policy rule, a disguise that folds
 * to the blocked name exactly) refuses at once. A guess by edit distance waits
 * for a moderator instead: blocking an ordinary-looking name also catches its
 * neighbours (`@marko` catches `@marco`), and a person turned away by a neutral
 * reason has no way to know why.
 */
export function knockVerdict(hit: ScreenHit): "deny" | "hold" {
  return hit.guess ? "hold" : "deny";
}
