/**
 * History for new members (MSC4268): when the bot invites someone into an encrypted room whose
 * history is shared with members, it sends them the keys of what was said there before, so their
 * client can read it. Best effort: the invite never waits for it or fails with it.
 */
import { ClientEvent, type MatrixClient } from "matrix-js-sdk";
import type { AuditSink, Log } from "../../../core/ports.js";

/** Implemented by the SDK's Rust crypto (v43), though not yet part of its public CryptoApi type. */
interface HistorySharingCrypto {
  isEncryptionEnabledInRoom(roomId: string): Promise<boolean>;
  getUserVerificationStatus(userId: string): Promise<{ isCrossSigningVerified(): boolean }>;
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
      // The SDK shares nothing, and says so only in its own log, unless the bot's cross-signing
      // identity is verified; without this the audit log would record a share that never happened.
      const own = await crypto.getUserVerificationStatus(client.getSafeUserId());
      if (!own.isCrossSigningVerified()) {
        deps.log.warn(
          { room: roomId, user },
          "the room's history was not shared with a new member: the bot's cross-signing identity is not verified (anteroom init sets it up)",
        );
        return;
      }
      // Room keys sent to the bot just before the invite may still be on their way: two more
      // syncs (the one in flight may have left before they came) take them in, so what was
      // said a moment ago is in the bundle too.
      await syncs(client, 2, SYNC_WAIT_MS);
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

/** How long the sharing waits for the next sync before it goes ahead with the keys it has. */
const SYNC_WAIT_MS = 10_000;

/** Resolves after `count` completed syncs, or after `timeoutMs` at the latest. */
function syncs(client: MatrixClient, count: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    let left = count;
    const done = () => {
      clearTimeout(timer);
      client.off(ClientEvent.Sync, onSync);
      resolve();
    };
    const onSync = () => {
      if (--left <= 0) done();
    };
    const timer = setTimeout(done, timeoutMs);
    timer.unref();
    client.on(ClientEvent.Sync, onSync);
  });
}
