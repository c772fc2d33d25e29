/**
 * Homeserver registration tokens from the Codes view: issue one (uses, then a
 * lifetime), revoke one, copy or show it, fetch the list. They live on the
 * homeserver, reached through the ModerationApi: the list is fetched when the
 * view is shown, on Ctrl+R, and after every change. Token values are secrets:
 * they reach the screen and the clipboard, never a log.
 */
import { TOKEN_LIMITS } from "../../core/chat-commands/parse.js";
import type { CodeActions } from "../keys/console-actions.js";
import { parseLifetime, tokenState, tokenUses } from "../format/token-display.js";
import { sanitize } from "../sanitize.js";
import { copyToClipboard } from "../terminal/clipboard.js";
import type { TokenData } from "../state/registration-tokens.js";
import type { ConsoleCore } from "./console-core.js";

const NOT_AVAILABLE = "not available in this console";

type TokenActions = Pick<
  CodeActions,
  "askRevokeToken" | "copyToken" | "showToken" | "refreshTokens"
>;

export function tokenActions(core: ConsoleCore): TokenActions {
  return {
    askRevokeToken: (row) => {
      const { token } = row;
      core.confirm({
        title: `Revoke the homeserver token ${sanitize(token.token, { max: 64 })}?`,
        lines: [
          `${tokenUses(token)} · ${tokenState(token, core.options.now())}`,
          "Nobody can register with it from now on; accounts made with it stay.",
        ],
        confirmLabel: "Revoke",
        destructive: true,
        then: { kind: "revokeToken", token: token.token },
      });
    },
    copyToken: (row) => copyToken(core, row.token.token),
    showToken: (row) => core.set({ overlay: { kind: "token", token: row.token, isNew: false } }),
    refreshTokens: () => void refreshTokens(core),
  };
}

export function copyToken(core: ConsoleCore, token: string): void {
  copyToClipboard(core.options.terminal, token);
  core.set({
    notice: { tone: "info", text: "copied the homeserver token to your clipboard" },
  });
}

/** First step of a new homeserver token, after `t` in the book picker: how many uses. */
export function askTokenUses(core: ConsoleCore, value = "1"): void {
  if (!core.options.moderation) return core.refuse(`homeserver tokens: ${NOT_AVAILABLE}`);
  core.prompt("uses of the new homeserver token (empty: no limit)", { kind: "tokenUses" }, value);
}

export function submitTokenUses(core: ConsoleCore, value: string): void {
  const text = value.trim();
  const uses = text === "" ? undefined : Number(text);
  const { min, max } = TOKEN_LIMITS.uses;
  if (uses !== undefined && !(Number.isInteger(uses) && uses >= min && uses <= max)) {
    core.refuse(`uses must be ${min}–${max}, or empty for no limit`);
    return askTokenUses(core, value);
  }
  askTokenExpiry(core, uses);
}

function askTokenExpiry(core: ConsoleCore, uses: number | undefined, value = "7d"): void {
  core.prompt(
    "the new homeserver token works for (30m, 12h, 7d, 2w; empty: never expires)",
    { kind: "tokenExpiry", uses },
    value,
  );
}

export function submitTokenExpiry(
  core: ConsoleCore,
  uses: number | undefined,
  value: string,
): void {
  const lifetime = parseLifetime(value);
  if (!lifetime.ok) {
    core.refuse(lifetime.error);
    return askTokenExpiry(core, uses, value);
  }
  const expiresAt = lifetime.ms === undefined ? undefined : core.options.now() + lifetime.ms;
  void issueToken(core, {
    ...(uses === undefined ? {} : { uses }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
  });
}

async function issueToken(
  core: ConsoleCore,
  request: { uses?: number; expiresAt?: number },
): Promise<void> {
  const api = core.options.moderation;
  if (!api) return core.refuse(`homeserver tokens: ${NOT_AVAILABLE}`);
  core.set({ notice: { tone: "busy", text: "issuing a homeserver token…" } });
  try {
    const issued = await api.issueToken(request, core.options.by);
    if (!issued.ok) {
      core.refuse(`new homeserver token refused: ${sanitize(issued.error, { max: 300 })}`);
    } else {
      const { token } = issued;
      core.update((state) => ({
        ...state,
        overlay: { kind: "token", token, isNew: true },
        notice: { tone: "info", text: "new homeserver token issued" },
        selection: { ...state.selection, codes: { id: `token:${token.token}`, index: 0 } },
      }));
    }
  } catch (error) {
    core.refuse(`new homeserver token failed: ${sanitize((error as Error).message, { max: 300 })}`);
  }
  await refreshTokens(core);
}

export async function revokeToken(core: ConsoleCore, token: string): Promise<void> {
  const api = core.options.moderation;
  if (!api) return core.refuse(`homeserver tokens: ${NOT_AVAILABLE}`);
  core.set({ notice: { tone: "busy", text: "revoking the homeserver token…" } });
  try {
    const outcome = await api.revokeToken(token, core.options.by);
    core.set({
      notice: outcome.ok
        ? { tone: "info", text: sanitize(outcome.summary, { max: 300 }) }
        : { tone: "error", text: `revoke refused: ${sanitize(outcome.error, { max: 300 })}` },
    });
  } catch (error) {
    core.refuse(`revoke failed: ${sanitize((error as Error).message, { max: 300 })}`);
  }
  await refreshTokens(core);
}

function setTokens(core: ConsoleCore, patch: Partial<TokenData>): void {
  core.update((state) => ({ ...state, tokens: { ...state.tokens, ...patch } }));
}

/** Fetches the tokens while the Codes view is shown; what stops them is said in the view. */
export async function refreshTokens(core: ConsoleCore): Promise<void> {
  const api = core.options.moderation;
  if (!api || core.state.view !== "codes") return;
  try {
    const listing = await api.registrationTokens();
    setTokens(
      core,
      listing.ok
        ? { tokens: listing.tokens, unavailable: undefined }
        : { tokens: [], unavailable: sanitize(listing.error, { max: 300 }) },
    );
  } catch (error) {
    setTokens(core, {
      unavailable: `could not fetch: ${sanitize((error as Error).message, { max: 300 })}`,
    });
  }
}
