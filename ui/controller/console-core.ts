/**
 * What every part of the controller shares: the store, the settings the
 * console started with, the engine commands, and the few moves they all make
 * (open a dialog, ask for text, refuse, cancel).
 */
import type { EngineApi } from "../../core/api.js";
import type { ModerationApi } from "../../core/moderation-api.js";
import type { ConsoleMode } from "../console-context.js";
import { bindingContext } from "../keys/binding-context.js";
import type { BindingContext } from "../keys/registry.js";
import type { ConfirmDialog, ConsoleState, PromptPurpose } from "../state/console-state.js";
import type { ConsoleStore } from "../state/console-store.js";
import type { TerminalPort } from "../terminal/clipboard.js";
import type { EditText } from "../terminal/editor.js";
import { EngineCommands } from "./engine-commands.js";

export interface ControllerOptions {
  readonly api: EngineApi;
  readonly mode: ConsoleMode;
  /** The moderator's name, recorded with every command. */
  readonly by: string;
  readonly readonly: boolean;
  /** Where the public join and signup pages live, for a new code's link. */
  readonly publicUrl?: string;
  /** The blocklist and members; absent, those views say they are not available. */
  readonly moderation?: ModerationApi;
  /** The terminal itself, for the clipboard (OSC 52). */
  readonly terminal: TerminalPort;
  /** Lends the terminal to $EDITOR (code books); absent where there is no terminal to lend. */
  readonly editText?: EditText;
  /** The console's clock (the engine's in tests). */
  readonly now: () => number;
  /** Rows a list shows, for paging. */
  readonly pageSize: () => number;
  readonly exit: () => void;
}

export class ConsoleCore {
  readonly engine: EngineCommands;

  constructor(
    readonly store: ConsoleStore,
    readonly options: ControllerOptions,
  ) {
    this.engine = new EngineCommands(store, options);
  }

  get state(): ConsoleState {
    return this.store.getState();
  }

  set(patch: Partial<ConsoleState>): void {
    this.store.update((state) => ({ ...state, ...patch }));
  }

  update(change: (state: ConsoleState) => ConsoleState): void {
    this.store.update(change);
  }

  context(): BindingContext {
    return bindingContext(this.state, this.options.readonly);
  }

  refuse(text: string): void {
    this.set({ notice: { tone: "error", text } });
  }

  cancel(): void {
    this.set({ overlay: undefined, notice: { tone: "info", text: "cancelled" } });
  }

  confirm(dialog: Omit<ConfirmDialog, "kind" | "focus">): void {
    // Destructive actions start on Cancel: Enter pressed out of habit does nothing.
    const focus = dialog.destructive ? "cancel" : "confirm";
    this.set({ overlay: { kind: "confirm", focus, ...dialog } });
  }

  prompt(label: string, purpose: PromptPurpose, value = ""): void {
    this.set({ overlay: { kind: "prompt", label, value, purpose } });
  }
}
