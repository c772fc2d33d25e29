/**
 * Waits for an encrypted event to be readable. A room key often arrives a moment after the
 * message it opens (another to-device message, another sync): the SDK tries again when it does,
 * so a first failure is not the last word until the grace time has passed.
 */
import { MatrixEventEvent, type MatrixClient, type MatrixEvent } from "matrix-js-sdk";

export interface Undecryptable {
  readonly sender: string | undefined;
  readonly sessionId: string | undefined;
  readonly reason: string;
}

/** Undefined once `event` reads in the clear; what is known of it when it still does not after `graceMs`. */
export async function awaitDecryption(
  client: MatrixClient,
  event: MatrixEvent,
  graceMs: number,
): Promise<Undecryptable | undefined> {
  if (client.getCrypto() === undefined)
    return undecryptable(
      event,
      "the bot's encryption is off (ENCRYPTION=off, or auto found no encrypted room at start: restart it)",
    );
  await client.decryptEventIfNeeded(event);
  if (!event.isDecryptionFailure()) return undefined;
  const decrypted = await new Promise<boolean>((resolve) => {
    const onDecrypted = (): void => {
      if (event.isDecryptionFailure()) return;
      clearTimeout(timer);
      event.off(MatrixEventEvent.Decrypted, onDecrypted);
      resolve(true);
    };
    const timer = setTimeout(() => {
      event.off(MatrixEventEvent.Decrypted, onDecrypted);
      resolve(false);
    }, graceMs);
    event.on(MatrixEventEvent.Decrypted, onDecrypted);
  });
  return decrypted ? undefined : undecryptable(event, event.decryptionFailureReason ?? "unknown");
}

function undecryptable(event: MatrixEvent, reason: string): Undecryptable {
  const sessionId: unknown = event.getWireContent().session_id;
  return {
    sender: event.getSender(),
    sessionId: typeof sessionId === "string" ? sessionId : undefined,
    reason,
  };
}
