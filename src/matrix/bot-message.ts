/**
 * The one place the bot sends a message: every message carries `m.mentions`,
 * empty or naming the one person it is meant for. With `m.mentions` present,
 * homeservers and clients no longer read the body for "@room" or for
 * someone's name, so a display name quoted in a message pings nobody.
 * In a room with encryption on, and with the bot's encryption on, the SDK
 * encrypts it (sharing the room key with the members' devices first);
 * elsewhere (vetting rooms, lobbies, every room while encryption is off) it is
 * one plain PUT.
 */
import { EventType, Method, type MatrixClient } from "matrix-js-sdk";
import type { RoomMessageEventContent } from "matrix-js-sdk/lib/@types/events.js";

export interface BotMessage {
  readonly msgtype: "m.text" | "m.notice";
  readonly body: string;
  /** The one user the message is meant for (notified); absent: nobody. */
  readonly mention?: string;
}

/** The event content of a bot message. */
export function botMessageContent(message: BotMessage): Record<string, unknown> {
  return {
    msgtype: message.msgtype,
    body: message.body,
    "m.mentions": message.mention === undefined ? {} : { user_ids: [message.mention] },
  };
}

/**
 * Sends it; `txnId` makes a repeat of the same send a no-op. Resolves with the event id.
 * `plain`: the caller knows the room cannot be encrypted (one the bot made with encryption locked).
 */
export async function sendBotMessage(
  client: MatrixClient,
  roomId: string,
  txnId: string,
  message: BotMessage,
  { plain = false }: { plain?: boolean } = {},
): Promise<string> {
  const crypto = plain ? undefined : client.getCrypto();
  if (crypto && (await crypto.isEncryptionEnabledInRoom(roomId))) {
    // The SDK types the content by msgtype; ours is one of its text shapes, with m.mentions.
    const content = botMessageContent(message) as unknown as RoomMessageEventContent;
    return (await client.sendEvent(roomId, EventType.RoomMessage, content, txnId)).event_id;
  }
  const path = `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${encodeURIComponent(txnId)}`;
  const sent = await client.http.authedRequest<{ event_id: string }>(
    Method.Put,
    path,
    undefined,
    botMessageContent(message),
  );
  return sent.event_id;
}
