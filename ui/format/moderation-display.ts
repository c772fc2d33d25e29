/** Blocklist entries and members as the console shows them: every string sanitized. */
import type { BlockEntry } from "../../core/moderation/blocklist.js";
import type { Role } from "../../core/moderation/power-levels.js";
import type { MemberLevels } from "../../core/moderation-api.js";
import { sanitize } from "../sanitize.js";

export interface BlockDisplay {
  readonly pattern: string;
  readonly kind: string;
  readonly reason: string;
  readonly addedBy: string;
  readonly search: string;
}

export function displayBlock(entry: BlockEntry): BlockDisplay {
  const pattern = sanitize(entry.pattern, { max: 300 });
  const kind = sanitize(entry.kind, { max: 20 });
  const reason = sanitize(entry.reason ?? "", { max: 300 });
  const addedBy = sanitize(entry.added_by ?? "", { max: 300 });
  return {
    pattern,
    kind,
    reason,
    addedBy,
    search: `${pattern} ${kind} ${reason} ${addedBy}`.toLowerCase(),
  };
}

/** A level as the role that has it exactly; otherwise the number; null (a room creator) is "creator". */
export function roleName(level: number | null, roles: readonly Role[]): string {
  if (level === null) return "creator";
  const role = roles.find((r) => r.level === level);
  return role ? sanitize(role.name, { max: 40 }) : String(level);
}

export interface MemberDisplay {
  readonly user: string;
  readonly displayName: string;
  /** The role in each room, in the order the rooms came (the space first). */
  readonly roles: string;
  readonly search: string;
}

export function displayMember(member: MemberLevels, roles: readonly Role[]): MemberDisplay {
  const user = sanitize(member.user, { max: 300 });
  const displayName = sanitize(member.displayName ?? "", { max: 100 });
  const perRoom = Object.values(member.levels).map((level) => roleName(level, roles));
  // One role everywhere is the usual case: said once.
  const rolesText = new Set(perRoom).size === 1 ? (perRoom[0] ?? "") : perRoom.join(" / ");
  return {
    user,
    displayName,
    roles: rolesText,
    search: `${user} ${displayName} ${rolesText}`.toLowerCase(),
  };
}
