/**
 * The one place the bot sends a message: every message carries `m.mentions`,
 * empty or naming the one person it is meant for. With `m.mentions` present,
 * homeservers and clients no longer read the body for "@room" or for
 * someone's name, so a display name quoted in a message pings nobody.
 */
import { Method, type MatrixClient } from "matrix-js-sdk";

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

/** Sends it; `txnId` makes a repeat of the same send a no-op. Resolves with the event id. */
export async function sendBotMessage(
  client: MatrixClient,
  roomId: string,
  txnId: string,
  message: BotMessage,
): Promise<string> {
  const path = `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${encodeURIComponent(txnId)}`;
  const sent = await client.http.authedRequest<{ event_id: string }>(
    Method.Put,
    path,
    undefined,
    botMessageContent(message),
  );
  return sent.event_id;
}
