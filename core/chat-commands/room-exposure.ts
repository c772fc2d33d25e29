/**
 * Where a chat command may show codes and registration tokens: only in a room
 * people enter by invitation and cannot read from outside. The space itself,
 * a room with any other join rule (public, knock, restricted: people join or
 * ask to join without an invite) or world-readable history is open.
 */
import type { ChatCommand } from "./commands.js";

export interface RoomAccess {
  /** The room is the community's space. */
  readonly isSpace: boolean;
  /** `m.room.join_rules` content's `join_rule`; undefined when the room has none (invite, by the spec). */
  readonly joinRule: unknown;
  /** `m.room.history_visibility` content's `history_visibility`. */
  readonly historyVisibility: unknown;
}

const INVITE_ONLY: ReadonlySet<unknown> = new Set([undefined, "invite", "private"]);

/** Why people without an invite can read the room, or undefined when they cannot. */
export function openToOutsiders(room: RoomAccess): string | undefined {
  if (room.isSpace) return "this is the space, which newcomers read";
  if (!INVITE_ONLY.has(room.joinRule))
    return `this room's join rule is ${shown(room.joinRule)}, so people enter without an invite`;
  if (room.historyVisibility === "world_readable")
    return "this room's history is world_readable, so anyone can read it";
  return undefined;
}

/** Commands whose reply shows codes or registration tokens. */
export function revealsSecrets(command: ChatCommand): boolean {
  switch (command.name) {
    case "mint":
    case "codes":
      return true;
    case "token":
      return command.op !== "revoke";
    default:
      return false;
  }
}

/** The answer to a secret-revealing command in an open room: why, and where to ask instead. */
export function openRoomRefusal(name: string, why: string): string {
  return `!${name} is not answered here: ${why}; codes and tokens are only shown in an invite-only room (set ADMIN_COMMAND_ROOM to one).`;
}

function shown(value: unknown): string {
  return typeof value === "string" ? value.slice(0, 32) : "not a known one";
}
