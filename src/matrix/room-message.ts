/**
 * Sends a room message as the bot. In a room with encryption on, and with the bot's encryption
 * on, the SDK encrypts it (sharing the room key with the members' devices first); elsewhere
 * (vetting rooms, lobbies, every room while encryption is off) it is one plain PUT. The
 * transaction id makes a repeat of the same send a no-op either way.
 */
import { EventType, Method, MsgType, type MatrixClient } from "matrix-js-sdk";

export async function sendRoomMessage(
  client: MatrixClient,
  roomId: string,
  message: { readonly msgtype: MsgType.Text | MsgType.Notice; readonly body: string },
  txnId: string,
): Promise<void> {
  const crypto = client.getCrypto();
  if (crypto && (await crypto.isEncryptionEnabledInRoom(roomId))) {
    await client.sendEvent(roomId, EventType.RoomMessage, { ...message }, txnId);
    return;
  }
  const path = `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${encodeURIComponent(txnId)}`;
  await client.http.authedRequest(Method.Put, path, undefined, { ...message });
}
