/**
 * History for new members (MSC4268): when the bot invites someone into an encrypted room whose
 * history is shared with members, it sends them the keys of what was said there before, so their
 * client can read it. Best effort: the invite never waits for it or fails with it.
 */
import type { MatrixClient } from "matrix-js-sdk";
import type { AuditSink, Log } from "../../../core/ports.js";

/** Implemented by the SDK's Rust crypto (v43), though not yet part of its public CryptoApi type. */
interface HistorySharingCrypto {
  isEncryptionEnabledInRoom(roomId: string): Promise<boolean>;
  shareRoomHistoryWithUser?(roomId: string, userId: string): Promise<void>;
}

export function roomHistorySharing(
  client: MatrixClient,
  deps: {
    readonly audit: Pick<AuditSink, "append">;
    readonly log: Log;
    readonly now: () => number;
  },
): (roomId: string, user: string) => Promise<void> {
  return async (roomId, user) => {
    const crypto = client.getCrypto() as HistorySharingCrypto | undefined;
    try {
      if (!crypto?.shareRoomHistoryWithUser || !(await crypto.isEncryptionEnabledInRoom(roomId)))
        return;
      const visibility = client.getRoom(roomId)?.getHistoryVisibility();
      if (visibility !== "shared" && visibility !== "world_readable") return;
      await crypto.shareRoomHistoryWithUser(roomId, user);
      await deps.audit.append({
        ts: deps.now() / 1000,
        type: "history_shared",
        room: roomId,
        user,
      });
    } catch (error) {
      deps.log.warn(
        { err: error, room: roomId, user },
        "could not share the room's history with a new member; they see what is said from now on",
      );
    }
  };
}
