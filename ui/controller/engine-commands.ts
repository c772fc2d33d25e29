/**
 * The commands the console sends to the engine, and what it tells the
 * moderator about them: "… approving", then done, refused (with the engine's
 * reason) or failed (the daemon could not be reached).
 */
import type { CodeBookName, EngineApi } from "../../core/api.js";
import type { ModeratorAction } from "../../core/vetting-commands.js";
import { sanitize } from "../sanitize.js";
import type { ConsoleState } from "../state/console-state.js";
import type { ConsoleStore } from "../state/console-store.js";

export interface EngineCommandOptions {
  readonly api: EngineApi;
  readonly by: string;
  readonly publicUrl?: string;
}

const DONE: Readonly<Record<ModeratorAction["action"], (who: string) => string>> = {
  approve: (who) => `approved ${who}`,
  reject: (who) => `rejected ${who}`,
  addTries: (who) => `gave ${who} more tries`,
  extend: (who) => `gave ${who} more time`,
  say: (who) => `said it to ${who}`,
  repost: (who) => `posted a new challenge for ${who}`,
  close: (who) => `closed the vetting room of ${who}`,
};

export class EngineCommands {
  constructor(
    private readonly store: ConsoleStore,
    private readonly options: EngineCommandOptions,
  ) {}

  private notify(patch: Partial<ConsoleState>): void {
    this.store.update((state) => ({ ...state, ...patch }));
  }

  private notifyError(text: string): void {
    this.notify({ notice: { tone: "error", text } });
  }

  async moderate(key: string, user: string, action: ModeratorAction): Promise<void> {
    this.notify({ notice: { tone: "busy", text: `${action.action} ${user}…` } });
    try {
      const result = await this.options.api.moderate(key, action, this.options.by);
      this.notify({
        notice: result.ok
          ? { tone: "info", text: DONE[action.action](user) }
          : { tone: "error", text: `${action.action} refused: ${sanitize(result.error)}` },
      });
    } catch (error) {
      this.failed(action.action, error);
    }
  }

  async mint(book: CodeBookName, uses: number, label: string): Promise<void> {
    this.notify({ notice: { tone: "busy", text: `minting a ${book} code…` } });
    try {
      const minted = await this.options.api.mintCode(book, { uses, label, by: this.options.by });
      const { code } = minted;
      // The daemon knows its public address and says the link; in-process, it is built here.
      const page = book === "invite" ? "join" : "signup";
      const link =
        "link" in minted && typeof minted.link === "string"
          ? minted.link
          : `${this.options.publicUrl ?? ""}/${page}?code=${encodeURIComponent(code)}`;
      this.store.update((state) => ({
        ...state,
        overlay: { kind: "minted", book, code, uses, label, link },
        notice: { tone: "info", text: `new ${book} code ${code}` },
        selection: { ...state.selection, codes: { id: `${book}:${code}`, index: 0 } },
      }));
    } catch (error) {
      this.failed("new code", error);
    }
  }

  async revoke(book: CodeBookName, code: string): Promise<void> {
    this.notify({ notice: { tone: "busy", text: `revoking ${code}…` } });
    try {
      const result = await this.options.api.revokeCode(book, code, this.options.by);
      this.notify({
        notice: result.ok
          ? { tone: "info", text: `revoked the ${book} code ${sanitize(code)}` }
          : { tone: "error", text: `revoke refused: ${sanitize(result.error)}` },
      });
    } catch (error) {
      this.failed("revoke", error);
    }
  }

  private failed(what: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.notifyError(`${what} failed: ${sanitize(message)}`);
  }
}
