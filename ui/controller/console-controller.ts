/**
 * The console's actions: what each key does to the state, and the commands it
 * sends to the engine. Plain TypeScript, no React: the dispatcher hands it key
 * names, the views read the store it updates. This file routes keys; each
 * domain's actions live in their own module.
 */
import type { ConsoleControls } from "../console-context.js";
import type { ConsoleActions } from "../keys/console-actions.js";
import { bindingFor, type Binding, type BindingContext } from "../keys/registry.js";
import { sanitize } from "../sanitize.js";
import type { ConsoleStore } from "../state/console-store.js";
import { codeActions } from "./code-actions.js";
import { ConsoleCore, type ControllerOptions } from "./console-core.js";
import { navigationActions, setFilter } from "./navigation.js";
import { overlayKey } from "./overlay-keys.js";
import { lobbyActions } from "./lobby-actions.js";
import { inviteActions } from "./invite-actions.js";
import { moderationActions, refreshModeration } from "./moderation-actions.js";
import { vettingActions } from "./vetting-actions.js";
import { refreshTokens } from "./token-actions.js";

export type { ControllerOptions } from "./console-core.js";

export class ConsoleController implements ConsoleControls {
  private readonly core: ConsoleCore;
  /** What the registry's bindings call. */
  readonly actions: ConsoleActions;

  constructor(store: ConsoleStore, options: ControllerOptions) {
    const core = new ConsoleCore(store, options);
    this.core = core;
    this.actions = {
      ...navigationActions(core),
      ...vettingActions(core),
      ...lobbyActions(core),
      ...codeActions(core),
      ...moderationActions(core),
      ...inviteActions(core),
      refuse: (text) => core.refuse(text),
    };
  }

  /** One key, by its registry name. */
  handleKey(key: string): void {
    const { overlay, notice, clock, view } = this.core.state;
    // Lists that depend on the time (Triage) are as fresh as the key that reads them.
    const now = this.core.options.now();
    if (Math.abs(now - clock) >= 1000) this.core.set({ clock: now });
    // The last outcome stays until the next key; a command still running keeps its line.
    if (notice && notice.tone !== "busy") this.core.set({ notice: undefined });
    if (overlay) {
      overlayKey(this.core, overlay, key, (binding, args) => this.runFromName(binding, args));
    } else {
      const ctx = this.core.context();
      const binding = bindingFor(key, ctx.screen);
      if (binding) this.runBinding(binding, ctx, "");
    }
    if (this.core.state.view !== view) this.fetchShownView();
  }

  /**
   * The blocklist and members have no change stream: a view fetches its list when shown (also the
   * view a console opens on, remembered from the last run). The registration tokens likewise.
   */
  fetchShownView(): void {
    void refreshModeration(this.core);
    void refreshTokens(this.core);
  }

  /** Pasted text goes into the text field being edited, never to the key bindings. */
  handlePaste(text: string): void {
    const { overlay, filters, view } = this.core.state;
    const clean = sanitize(text, { max: 2000 }).replace(/⏎/g, " ");
    if (overlay?.kind === "prompt" || overlay?.kind === "command")
      this.core.set({ overlay: { ...overlay, value: overlay.value + clean } });
    else if (overlay?.kind === "help")
      this.core.set({ overlay: { ...overlay, query: overlay.query + clean } });
    else if (overlay?.kind === "filter") setFilter(this.core, filters[view] + clean);
  }

  private runBinding(binding: Binding, ctx: BindingContext, args: string): void {
    const why = binding.disabled(ctx);
    if (why) {
      this.core.refuse(`can't ${binding.hint}: ${why}`);
      return;
    }
    binding.run(ctx, this.actions, args);
  }

  /** A binding run by name (command line, help), which may not apply where the moderator is. */
  private runFromName(binding: Binding, args = ""): void {
    const ctx = this.core.context();
    if (!binding.screens.includes(ctx.screen)) {
      return this.core.refuse(`can't ${binding.hint}: not in this view`);
    }
    this.runBinding(binding, ctx, args);
  }
}
