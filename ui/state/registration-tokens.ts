/**
 * The homeserver's registration tokens as the Codes view last fetched them.
 * They live on the homeserver, not in the engine: no change stream, so the
 * view fetches them when shown, on Ctrl+R, and after every issue or revoke.
 */
import type { RegistrationToken } from "../../core/ports.js";

export interface TokenData {
  /** undefined until the first answer. */
  readonly tokens: readonly RegistrationToken[] | undefined;
  /** Why the homeserver gives none (the bot is not a server admin…), or why the fetch failed. */
  readonly unavailable: string | undefined;
}

export const noTokens: TokenData = { tokens: undefined, unavailable: undefined };
