/**
 * Matrix's own rule, checked where an action lands: an operator acts only on
 * people below their own level in every room the action touches (the space
 * and each child room), not only in the room the command came from.
 */
import { mayActOn } from "../chat-commands/authorize.js";
import { userPowerLevel, type RoomPowerLevels } from "./power-levels.js";

export interface OutOfReach {
  readonly roomId: string;
  readonly level: number;
}

/**
 * The rooms where `target` is not below `authority`; none means the operator may act. Unlimited
 * authority (the allowlist, the admin API) reaches everyone: the homeserver has the last word there.
 */
export function roomsOutOfReach(
  authority: number,
  target: string,
  rooms: readonly RoomPowerLevels[],
): OutOfReach[] {
  if (authority === Number.POSITIVE_INFINITY) return [];
  return rooms.flatMap((room) => {
    const level = userPowerLevel(room.content, target, room.creators ?? []);
    return mayActOn(authority, level) ? [] : [{ roomId: room.roomId, level }];
  });
}

/** One line for a reply or an API error: where the target is not below the operator. */
export function outOfReachReason(
  target: string,
  authority: number,
  rooms: readonly OutOfReach[],
): string {
  const where = rooms
    .map((r) => `${Number.isFinite(r.level) ? r.level : "unlimited"} in ${r.roomId}`)
    .join(", ");
  return `${target} has power level ${where}, not below yours (${authority}): nothing was done`;
}
