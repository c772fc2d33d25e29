/** The direct chat a new account opens with the person who invited it. */

/** Room names stay short in clients' room lists; a display name is the person's own text. */
const MAX_NAME_PART = 64;

/**
 * The createRoom body for a direct chat between the new user (`self`) and `partner`; `encrypted`
 * as the reference makes it and as Element makes direct chats (not with ENCRYPTION=off).
 */
export function directRoomRequest(
  self: string,
  partner: string,
  encrypted: boolean,
): Record<string, unknown> {
  return {
    preset: "trusted_private_chat",
    is_direct: true,
    invite: [partner],
    name: `${clipName(self)} ↔ ${clipName(partner)}`,
    ...(encrypted
      ? {
          initial_state: [
            {
              type: "m.room.encryption",
              state_key: "",
              content: { algorithm: "m.megolm.v1.aes-sha2" },
            },
          ],
        }
      : {}),
  };
}

function clipName(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_NAME_PART ? `${flat.slice(0, MAX_NAME_PART)}…` : flat;
}
