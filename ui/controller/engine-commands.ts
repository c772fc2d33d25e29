/**
 * The commands the console sends to the engine, and what it tells the
 * moderator about them: "… approving", then done, refused (with the engine's
 * reason) or failed (the daemon could not be reached).
 */
import type { CodeBookEdit, CodeBookName, EngineApi } from "../../core/api.js";
import type { LobbyAction } from "../../core/lobby/commands.js";
import type { ModeratorAction } from "../../core/vetting/commands.js";
import { codeLink } from "../format/code-link.js";
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
  vet: (who) => `sent ${who} to vetting`,
  reinvite: (who) => `invited ${who} again`,
};

const LOBBY_DONE: Readonly<Record<LobbyAction["action"], (name: string) => string>> = {
  approve: (name) => `let in the person who passed in ${name}`,
  close: (name) => `closed the lobby ${name}`,
  addTries: (name) => `gave more tries in ${name}`,
  extend: (name) => `gave ${name} more time`,
  say: (name) => `said it in ${name}`,
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

  async moderateLobby(key: string, name: string, action: LobbyAction): Promise<void> {
    this.notify({ notice: { tone: "busy", text: `${action.action} ${name}…` } });
    try {
      const result = await this.options.api.moderateLobby(key, action, this.options.by);
      this.notify({
        notice: result.ok
          ? { tone: "info", text: LOBBY_DONE[action.action](name) }
          : { tone: "error", text: `${action.action} refused: ${sanitize(result.error)}` },
      });
    } catch (error) {
      this.failed(action.action, error);
    }
  }

  /** `expiresAtMs`: when the code stops working; undefined for never. */
  async mint(book: CodeBookName, uses: number, label: string, expiresAtMs?: number): Promise<void> {
    this.notify({ notice: { tone: "busy", text: `minting a ${book} code…` } });
    try {
      const minted = await this.options.api.mintCode(book, {
        uses,
        label,
        by: this.options.by,
        // Whole seconds: the code books keep unix seconds.
        ...(expiresAtMs === undefined ? {} : { expiresAt: Math.floor(expiresAtMs / 1000) }),
      });
      const { code } = minted;
      // The daemon knows its public address and says the link; in-process, it is built here.
      const link =
        "link" in minted && typeof minted.link === "string"
          ? minted.link
          : codeLink(this.options.publicUrl ?? "", book, code);
      this.store.update((state) => ({
        ...state,
        overlay: {
          kind: "minted",
          book,
          code,
          uses,
          label,
          link,
          ...(minted.entry.expires_at === undefined ? {} : { expiresAt: minted.entry.expires_at }),
        },
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

  async editCodes(book: CodeBookName, edit: CodeBookEdit): Promise<void> {
    this.notify({ notice: { tone: "busy", text: `applying the edit to the ${book} book…` } });
    try {
      const result = await this.options.api.editCodes(book, edit, this.options.by);
      const count = Object.keys(edit.set).length + edit.remove.length;
      this.notify({
        notice: result.ok
          ? {
              tone: "info",
              text: `${book} book: ${count} ${count === 1 ? "code" : "codes"} changed`,
            }
          : { tone: "error", text: `edit refused: ${sanitize(result.error)}` },
      });
    } catch (error) {
      this.failed("edit", error);
    }
  }

  /** One after the other, so the status line can count; a refusal does not stop the rest. */
  async revokeMany(codes: readonly { book: CodeBookName; code: string }[]): Promise<void> {
    let revoked = 0;
    const problems: string[] = [];
    for (const [i, { book, code }] of codes.entries()) {
      this.notify({ notice: { tone: "busy", text: `revoking ${i + 1} of ${codes.length}…` } });
      try {
        const result = await this.options.api.revokeCode(book, code, this.options.by);
        if (result.ok) revoked++;
        else
          problems.push(`${sanitize(code, { max: 20 })}: ${sanitize(result.error, { max: 80 })}`);
      } catch (error) {
        return this.failed(`revoke (after ${revoked} of ${codes.length})`, error);
      }
    }
    this.store.update((state) => ({
      ...state,
      marks: { ...state.marks, codes: [] },
      notice:
        problems.length === 0
          ? { tone: "info", text: `revoked ${revoked} codes` }
          : {
              tone: "error",
              text: `revoked ${revoked} of ${codes.length}; refused: ${problems.join("; ")}`,
            },
    }));
  }

  private failed(what: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.notifyError(`${what} failed: ${sanitize(message)}`);
  }
}
