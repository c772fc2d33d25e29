/**
 * Who may give chat commands: anyone on ADMIN_ALLOWLIST, or anyone whose power
 * level in the operator room reaches ADMIN_PL_THRESHOLD. Everybody else is
 * ignored without a word.
 */
export interface OperatorPolicy {
  /** ADMIN_PL_THRESHOLD (reference default 50). */
  readonly threshold: number;
  /** ADMIN_ALLOWLIST: user IDs always allowed, whatever their power level. */
  readonly allowlist: readonly string[];
}

export const DEFAULT_OPERATOR_THRESHOLD = 50;

/**
 * A user's power level from the content of an `m.room.power_levels` event:
 * `users[user]`, else `users_default`, else 0. The content comes from the room
 * and is hostile: anything that is not a whole number counts as absent (room
 * versions before 10 allow levels as strings of digits).
 */
export function powerLevelOf(powerLevels: unknown, user: string): number {
  if (!isObject(powerLevels)) return 0;
  const users = powerLevels.users;
  const own = isObject(users) && Object.hasOwn(users, user) ? level(users[user]) : undefined;
  return own ?? level(powerLevels.users_default) ?? 0;
}

/**
 * How far an operator's word reaches: unlimited for the allowlist and for the
 * room's creators, else their power level in the operator room. `creators`:
 * in room versions 12 and later the creators have unlimited power without a
 * `users` entry; pass them for such rooms only.
 */
export function operatorAuthority(
  sender: string,
  powerLevels: unknown,
  policy: OperatorPolicy,
  creators: readonly string[] = [],
): number {
  if (policy.allowlist.includes(sender) || creators.includes(sender)) {
    return Number.POSITIVE_INFINITY;
  }
  return powerLevelOf(powerLevels, sender);
}

export function isOperator(
  sender: string,
  powerLevels: unknown,
  policy: OperatorPolicy,
  creators: readonly string[] = [],
): boolean {
  return operatorAuthority(sender, powerLevels, policy, creators) >= policy.threshold;
}

/**
 * Matrix's own rule, applied to what an operator asks the bot to do: you act
 * on people below you, and grant at most your own level. Without it a
 * moderator could have the bot make them an admin, or ban one.
 */
export function mayActOn(authority: number, targetLevel: number): boolean {
  return targetLevel < authority;
}

export function mayGrant(authority: number, level: number): boolean {
  return level <= authority;
}

function level(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === "string" && /^[+-]?[0-9]{1,16}$/.test(value.trim())) return Number(value);
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
