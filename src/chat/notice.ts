/**
 * Sends the bot's answers in the operator room as `m.notice` (the msgtype bots
 * use, so other bots do not answer them), through the same send circuit
 * breaker as everything else the bot says, encrypted where the room is. The
 * transaction id makes a repeat of the same answer a no-op.
 */
import type { MatrixClient } from "matrix-js-sdk";
import { sendBotMessage } from "../matrix/bot-message.js";
import { toHomeserverError } from "../matrix/errors.js";
import type { SendBreaker } from "../matrix/send-breaker.js";

export type SendNotice = (roomId: string, text: string, txnId: string) => Promise<void>;

const ATTEMPTS = 4;

export function noticeSender(client: MatrixClient, breaker: SendBreaker): SendNotice {
  return async (roomId, text, txnId) => {
    for (let attempt = 1; ; attempt++) {
      await breaker.admit(roomId);
      try {
        await sendBotMessage(client, roomId, txnId, { msgtype: "m.notice", body: text });
        return;
      } catch (error) {
        const failure = toHomeserverError(error);
        if (!failure.transient || attempt >= ATTEMPTS) throw failure;
        const wait = failure.retryAfterMs ?? 500 * 2 ** attempt;
        await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 30_000)));
      }
    }
  };
}
