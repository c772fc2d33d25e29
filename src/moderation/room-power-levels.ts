/** Reads the power levels of the space and its child rooms, room by room: one room's failure is that room's outcome. */
import type { RoomPowerLevels } from "../../core/moderation/power-levels.js";
import type { SdkModerationPort } from "../matrix/moderation-port.js";
import { toHomeserverError } from "../matrix/errors.js";

export interface UnreadableRoom {
  readonly roomId: string;
  readonly outcome: "failed";
  readonly reason: string;
  /** The homeserver may answer later (down, rate-limited): worth a retry. */
  readonly transient: boolean;
}

export async function readRoomPowerLevels(
  port: Pick<SdkModerationPort, "readPowerLevels">,
  rooms: readonly string[],
): Promise<{ read: RoomPowerLevels[]; unreadable: UnreadableRoom[] }> {
  const read: RoomPowerLevels[] = [];
  const unreadable: UnreadableRoom[] = [];
  for (const roomId of rooms) {
    try {
      const state = await port.readPowerLevels(roomId);
      read.push({
        roomId,
        content: state.content,
        ...(state.creators ? { creators: state.creators } : {}),
      });
    } catch (error) {
      const failure = toHomeserverError(error);
      unreadable.push({
        roomId,
        outcome: "failed",
        reason: failure.message,
        transient: failure.transient,
      });
    }
  }
  return { read, unreadable };
}
