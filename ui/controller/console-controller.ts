/**
 * The console's actions: what each key does to the state, and the commands it
 * sends to the engine. Plain TypeScript, no React: the dispatcher hands it key
 * names, the views read the store it updates.
 */
import type { CodeBookName, EngineApi } from "../../core/api.js";
import type { ModeratorAction } from "../../core/vetting-commands.js";
import type { VettingRecord } from "../../core/vetting.js";
import { displayRecord } from "../format/record-display.js";
import { bindingContext, searchBindings } from "../keys/binding-context.js";
import { commandBinding, complete, parseCommand } from "../keys/command-line.js";
import type { ConsoleMode } from "../console-context.js";
import type { ConsoleActions } from "../keys/console-actions.js";
import { bindingFor, type Binding, type BindingContext } from "../keys/registry.js";
import { sanitize } from "../sanitize.js";
import {
  VIEWS,
  type ConfirmDialog,
  type ConsoleState,
  type Followup,
  type Overlay,
  type PromptPurpose,
  type ViewId,
} from "../state/console-state.js";
import type { ConsoleStore } from "../state/console-store.js";
import { rowsOf, selectedIndex, type CodeRow } from "../state/rows.js";
import { editText } from "./edit-text.js";
import { EngineCommands } from "./engine-commands.js";

export interface ControllerOptions {
  readonly api: EngineApi;
  readonly mode: ConsoleMode;
  /** The moderator's name, recorded with every command. */
  readonly by: string;
  readonly readonly: boolean;
  /** Where the public join and signup pages live, for a new code's link. */
  readonly publicUrl?: string;
  /** Rows a list shows, for paging. */
  readonly pageSize: () => number;
  readonly exit: () => void;
}

const MAX_USES = 100_000;

const QUIT_NOTES: Readonly<Record<ConsoleMode, string>> = {
  attached: "The daemon keeps running; only this console closes.",
  "in-process": "The engine stops with the console; knocks wait until anteroom runs again.",
  demo: "The demo engine and its sample data go with it.",
};

export class ConsoleController implements ConsoleActions {
  private readonly engine: EngineCommands;

  constructor(
    private readonly store: ConsoleStore,
    private readonly options: ControllerOptions,
  ) {
    this.engine = new EngineCommands(store, options);
  }

  private get state(): ConsoleState {
    return this.store.getState();
  }

  private set(patch: Partial<ConsoleState>): void {
    this.store.update((state) => ({ ...state, ...patch }));
  }

  private context(): BindingContext {
    return bindingContext(this.state, this.options.readonly);
  }

  /** One key, by its registry name. */
  handleKey(key: string): void {
    const { overlay, notice } = this.state;
    // The last outcome stays until the next key; a command still running keeps its line.
    if (notice && notice.tone !== "busy") this.set({ notice: undefined });
    if (overlay) {
      this.overlayKey(overlay, key);
      return;
    }
    const ctx = this.context();
    const binding = bindingFor(key, ctx.screen);
    if (binding) this.runBinding(binding, ctx, "");
  }

  /** Pasted text goes into the text field being edited, never to the key bindings. */
  handlePaste(text: string): void {
    const overlay = this.state.overlay;
    const clean = sanitize(text, { max: 2000 }).replace(/⏎/g, " ");
    if (overlay?.kind === "prompt")
      this.set({ overlay: { ...overlay, value: overlay.value + clean } });
    else if (overlay?.kind === "command")
      this.set({ overlay: { ...overlay, value: overlay.value + clean } });
    else if (overlay?.kind === "help")
      this.set({ overlay: { ...overlay, query: overlay.query + clean } });
    else if (overlay?.kind === "filter")
      this.setFilter(this.state.filters[this.state.view] + clean);
  }

  private runBinding(binding: Binding, ctx: BindingContext, args: string): void {
    const why = binding.disabled(ctx);
    if (why) {
      this.refuse(`can't ${binding.hint}: ${why}`);
      return;
    }
    binding.run(ctx, this, args);
  }

  // ---- dialogs, prompts and the command line ----

  private overlayKey(overlay: Overlay, key: string): void {
    // Ctrl+C backs out of whatever is open; pressed again, it asks to quit.
    if (key === "ctrl+c") {
      if (overlay.kind === "filter") this.setFilter("");
      return this.cancel();
    }
    switch (overlay.kind) {
      case "help":
        return this.helpKey(overlay, key);
      case "confirm":
        return this.confirmKey(overlay, key);
      case "prompt": {
        if (key === "esc") return this.cancel();
        if (key === "enter") {
          this.set({ overlay: undefined });
          return this.submit(overlay.purpose, overlay.value);
        }
        const value = editText(overlay.value, key);
        if (value !== undefined) this.set({ overlay: { ...overlay, value } });
        return;
      }
      case "pickBook":
        if (key === "esc" || key === "q") return this.cancel();
        if (key === "i" || key === "enter") return this.askUses("invite");
        if (key === "s") return this.askUses("signup");
        return;
      case "command": {
        if (key === "esc") return this.set({ overlay: undefined });
        if (key === "tab")
          return this.set({ overlay: { ...overlay, value: complete(overlay.value) } });
        if (key === "enter") return this.runCommandLine(overlay.value);
        const value = editText(overlay.value, key);
        if (value !== undefined) this.set({ overlay: { ...overlay, value } });
        return;
      }
      case "filter": {
        if (key === "enter") return this.set({ overlay: undefined });
        if (key === "esc") {
          this.setFilter("");
          return this.set({ overlay: undefined });
        }
        const value = editText(this.state.filters[this.state.view], key);
        if (value !== undefined) this.setFilter(value);
        return;
      }
      case "minted":
        if (key === "esc" || key === "enter" || key === "q" || key === " ") {
          this.set({ overlay: undefined });
        }
        return;
    }
  }

  private helpKey(overlay: Extract<Overlay, { kind: "help" }>, key: string): void {
    const found = searchBindings(overlay.query);
    if (key === "esc") return this.set({ overlay: undefined });
    if (key === "up" || key === "ctrl+p") {
      return this.set({ overlay: { ...overlay, index: Math.max(0, overlay.index - 1) } });
    }
    if (key === "down" || key === "ctrl+n") {
      const index = Math.min(found.length - 1, overlay.index + 1);
      return this.set({ overlay: { ...overlay, index: Math.max(0, index) } });
    }
    if (key === "enter") {
      const binding = found[overlay.index];
      this.set({ overlay: undefined });
      if (binding) this.runFromName(binding);
      return;
    }
    const query = editText(overlay.query, key);
    if (query !== undefined) this.set({ overlay: { ...overlay, query, index: 0 } });
  }

  private confirmKey(dialog: ConfirmDialog, key: string): void {
    if (key === "esc" || key === "n") return this.cancel();
    if (["tab", "shift+tab", "left", "right", "h", "l"].includes(key)) {
      const focus = dialog.focus === "cancel" ? "confirm" : "cancel";
      return this.set({ overlay: { ...dialog, focus } });
    }
    if (key !== "enter") return;
    if (dialog.focus === "cancel") return this.cancel();
    this.set({ overlay: undefined });
    this.follow(dialog.then);
  }

  private cancel(): void {
    this.set({ overlay: undefined, notice: { tone: "info", text: "cancelled" } });
  }

  private runCommandLine(line: string): void {
    this.set({ overlay: undefined });
    const { name, args } = parseCommand(line);
    if (!name) return;
    const binding = commandBinding(name);
    if (!binding) return this.refuse(`unknown command ":${sanitize(name)}" (? lists them)`);
    this.runFromName(binding, args);
  }

  /** A binding run by name (command line, help), which may not apply where the moderator is. */
  private runFromName(binding: Binding, args = ""): void {
    const ctx = this.context();
    if (!binding.screens.includes(ctx.screen)) {
      return this.refuse(`can't ${binding.hint}: not in this view`);
    }
    this.runBinding(binding, ctx, args);
  }

  private follow(then: Followup): void {
    switch (then.kind) {
      case "moderate":
        return void this.engine.moderate(then.key, then.user, then.action);
      case "askRejectReason":
        return this.set({
          overlay: {
            kind: "prompt",
            label: `reason for ${then.user} (Enter for the default)`,
            value: "",
            purpose: { kind: "rejectReason", key: then.key, user: then.user },
          },
        });
      case "revoke":
        return void this.engine.revoke(then.book, then.code);
      case "quit":
        return this.options.exit();
    }
  }

  private submit(purpose: PromptPurpose, value: string): void {
    switch (purpose.kind) {
      case "rejectReason": {
        const reason = value.trim();
        const action = reason
          ? { action: "reject" as const, reason }
          : { action: "reject" as const };
        return void this.engine.moderate(purpose.key, purpose.user, action);
      }
      case "say":
        if (!value.trim()) return this.refuse("nothing said: the text was empty");
        return void this.engine.moderate(purpose.key, purpose.user, { action: "say", text: value });
      case "mintUses": {
        const uses = Number(value.trim());
        if (!Number.isInteger(uses) || uses < 1 || uses > MAX_USES) {
          this.refuse(`uses must be 1–${MAX_USES}`);
          return this.askUses(purpose.book, value);
        }
        return this.set({
          overlay: {
            kind: "prompt",
            label: `label for the new ${purpose.book} code (who or what it is for)`,
            value: "",
            purpose: { kind: "mintLabel", book: purpose.book, uses },
          },
        });
      }
      case "mintLabel":
        return void this.engine.mint(purpose.book, purpose.uses, value.trim());
    }
  }

  // ---- ConsoleActions ----

  showHelp(): void {
    this.set({ overlay: { kind: "help", query: "", index: 0 } });
  }

  askQuit(): void {
    this.confirm({
      title: "Quit the console?",
      lines: [QUIT_NOTES[this.options.mode]],
      confirmLabel: "Quit",
      destructive: false,
      then: { kind: "quit" },
    });
  }

  showView(view: ViewId): void {
    this.set({ view, detail: undefined });
  }

  cycleView(step: 1 | -1): void {
    const at = VIEWS.indexOf(this.state.view);
    const view = VIEWS[(at + step + VIEWS.length) % VIEWS.length] ?? "knocks";
    this.showView(view);
  }

  move(delta: number): void {
    const { view } = this.state;
    const rows = rowsOf(this.state, view);
    if (rows.length === 0) return;
    const from = selectedIndex(this.state, view);
    const index = Math.min(rows.length - 1, Math.max(0, from + delta));
    this.store.update((state) => ({
      ...state,
      selection: { ...state.selection, [view]: { id: rows[index]?.id, index } },
      // Moving by hand stops following, as in `less +F`.
      follow: view === "knocks" ? false : state.follow,
    }));
  }

  moveToEnd(end: "top" | "bottom"): void {
    this.move(end === "top" ? -Infinity : Infinity);
  }

  page(direction: 1 | -1): void {
    this.move(direction * Math.max(1, this.options.pageSize() - 1));
  }

  openDetail(): void {
    const record = this.context().record;
    if (record) this.set({ detail: record.key });
  }

  back(): void {
    this.set({ detail: undefined });
  }

  clearFilter(): void {
    this.setFilter("");
  }

  editFilter(text?: string): void {
    if (text !== undefined) this.setFilter(text);
    else this.set({ overlay: { kind: "filter" } });
  }

  private setFilter(text: string): void {
    this.store.update((state) => ({
      ...state,
      filters: { ...state.filters, [state.view]: text },
    }));
  }

  openCommandLine(): void {
    this.set({ overlay: { kind: "command", value: "" } });
  }

  togglePause(): void {
    if (this.state.frozen) {
      this.set({ frozen: undefined, notice: { tone: "info", text: "knocks: live again" } });
      return;
    }
    const unfiltered = {
      ...this.state,
      frozen: undefined,
      filters: { ...this.state.filters, knocks: "" },
    };
    const frozen = rowsOf(unfiltered, "knocks").map((row) => row.id);
    this.set({
      frozen,
      follow: false,
      notice: { tone: "info", text: "knocks: paused (p resumes)" },
    });
  }

  toggleFollow(): void {
    const follow = !this.state.follow;
    this.set({
      follow,
      frozen: follow ? undefined : this.state.frozen,
      notice: {
        tone: "info",
        text: follow ? "knocks: following the newest" : "knocks: not following",
      },
    });
  }

  moderate(record: VettingRecord, action: ModeratorAction): void {
    void this.engine.moderate(record.key, displayRecord(record).user, action);
  }

  askReject(record: VettingRecord, reason?: string): void {
    const { user, who } = displayRecord(record);
    const shown = reason === undefined ? undefined : sanitize(reason, { max: 200 });
    this.confirm({
      title: `Reject ${who}?`,
      lines: [
        shown === undefined
          ? "Next you can give the reason they will see."
          : `They will see the reason: ${shown}`,
        "They can knock again later.",
      ],
      confirmLabel: "Reject",
      destructive: true,
      then:
        reason === undefined
          ? { kind: "askRejectReason", key: record.key, user }
          : { kind: "moderate", key: record.key, user, action: { action: "reject", reason } },
    });
  }

  askClose(record: VettingRecord): void {
    const { user, who } = displayRecord(record);
    this.confirm({
      title: `Close the vetting room of ${who}?`,
      lines: ["The knock stays undecided; the bot leaves the room."],
      confirmLabel: "Close",
      destructive: true,
      then: { kind: "moderate", key: record.key, user, action: { action: "close" } },
    });
  }

  askSay(record: VettingRecord, text?: string): void {
    const { user } = displayRecord(record);
    if (text !== undefined) {
      void this.engine.moderate(record.key, user, { action: "say", text });
      return;
    }
    this.set({
      overlay: {
        kind: "prompt",
        label: `say to ${user} as the bot`,
        value: "",
        purpose: { kind: "say", key: record.key, user },
      },
    });
  }

  startMint(): void {
    this.set({ overlay: { kind: "pickBook" } });
  }

  private askUses(book: CodeBookName, value = "1"): void {
    this.set({
      overlay: {
        kind: "prompt",
        label: `uses of the new ${book} code`,
        value,
        purpose: { kind: "mintUses", book },
      },
    });
  }

  askRevoke(row: CodeRow): void {
    const code = sanitize(row.code);
    const label = sanitize(row.entry.label);
    this.confirm({
      title: `Revoke the ${row.book} code ${code}?`,
      lines: [
        `${label || "no label"} · ${row.entry.uses_remaining} uses left`,
        "Links with this code stop working at once.",
      ],
      confirmLabel: "Revoke",
      destructive: true,
      then: { kind: "revoke", book: row.book, code: row.code },
    });
  }

  refuse(text: string): void {
    this.set({ notice: { tone: "error", text } });
  }

  private confirm(dialog: Omit<ConfirmDialog, "kind" | "focus">): void {
    // Destructive actions start on Cancel: Enter pressed out of habit does nothing.
    const focus = dialog.destructive ? "cancel" : "confirm";
    this.set({ overlay: { kind: "confirm", focus, ...dialog } });
  }
}
