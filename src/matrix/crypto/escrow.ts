/**
 * The reference approver's escrow of inbound room keys (ESCROW_PATH, inbound_sessions.escrow.json):
 * a JSON list of {room_id, sender_key, signing_key, session_id, first_known_index, session_key},
 * session_key being the session exported at its first known index (the format room key exports
 * use). Imported as room keys at each start while the file is there, so what the reference could
 * read stays readable to the bot; importing a key the store already has changes nothing.
 */
import { readFile } from "node:fs/promises";
import type { MatrixClient } from "matrix-js-sdk";
import type { IMegolmSessionData } from "matrix-js-sdk/lib/@types/crypto.js";
import { hasCode } from "../../store/atomic-file.js";
import { CryptoStoreRefused } from "./bot-crypto.js";

const MEGOLM = "m.megolm.v1.aes-sha2";
const FIELDS = ["room_id", "sender_key", "signing_key", "session_id", "session_key"] as const;

/** The escrow's sessions as room keys; undefined when there is no escrow file. */
export async function readEscrow(path: string): Promise<IMegolmSessionData[] | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (hasCode(error, "ENOENT")) return undefined;
    throw error;
  }
  const refuse = (why: string) =>
    new CryptoStoreRefused(
      `anteroom will not start: the reference's escrow file ${path} (ESCROW_PATH) ${why}; repair it or move it out of the way (its room keys then stay unreadable to the bot)`,
    );
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch {
    throw refuse("is not JSON");
  }
  if (!Array.isArray(entries)) throw refuse("is not a list of sessions");
  return entries.map((entry: unknown, i) => {
    const fields = entry as Partial<Record<(typeof FIELDS)[number], unknown>>;
    const missing = FIELDS.find((name) => typeof fields?.[name] !== "string");
    if (missing) throw refuse(`has no ${missing} in its session ${i + 1}`);
    const session = fields as Record<(typeof FIELDS)[number], string>;
    return {
      algorithm: MEGOLM,
      room_id: session.room_id,
      sender_key: session.sender_key,
      sender_claimed_keys: { ed25519: session.signing_key },
      session_id: session.session_id,
      session_key: session.session_key,
      forwarding_curve25519_key_chain: [],
    };
  });
}

/** Imports the escrow into the bot's crypto; resolves with how many sessions it held. */
export async function importEscrow(client: MatrixClient, path: string): Promise<number> {
  const sessions = await readEscrow(path);
  const crypto = client.getCrypto();
  if (!sessions || sessions.length === 0 || !crypto) return 0;
  await crypto.importRoomKeys(sessions);
  return sessions.length;
}
