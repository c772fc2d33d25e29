/**
 * Keys while something is open over the view: help, a confirmation, a text
 * prompt, the book picker, the command line, the filter field, a minted code.
 * The open thing takes every key; none reaches the view's bindings.
 */
import { searchBindings } from "../keys/binding-context.js";
import { isDialogKey } from "../keys/dialog-keys.js";
import { commandBinding, complete, parseCommand } from "../keys/command-line.js";
import { bindingById, type Binding } from "../keys/registry.js";
import { sanitize } from "../sanitize.js";
import type { ConfirmDialog, Overlay } from "../state/console-state.js";
import { askUses, copyLink } from "./code-actions.js";
import { editBook } from "./book-editor.js";
import type { ConsoleCore } from "./console-core.js";
import { followConfirmed, submitPrompt } from "./dialog-outcomes.js";
import { editText } from "./edit-text.js";
import { setFilter } from "./navigation.js";
import { promote } from "./moderation-actions.js";
import { askTokenUses, copyToken } from "./token-actions.js";

/** Runs a binding chosen by name (help, command line), where the moderator is. */
export type RunByName = (binding: Binding, args?: string) => void;

export function overlayKey(core: ConsoleCore, overlay: Overlay, key: string, run: RunByName): void {
  // In the quit dialog the keys that opened it quit: `q q` and Ctrl+C twice, as in most TUIs.
  if (
    overlay.kind === "confirm" &&
    overlay.then.kind === "quit" &&
    (key === "ctrl+c" || bindingById("quit")?.keys.includes(key))
  ) {
    core.set({ overlay: undefined });
    return followConfirmed(core, overlay.then);
  }
  // Ctrl+C backs out of whatever else is open; pressed again, it asks to quit.
  if (key === "ctrl+c") {
    if (overlay.kind === "filter") setFilter(core, "");
    return core.cancel();
  }
  switch (overlay.kind) {
    case "help":
      return helpKey(core, overlay, key, run);
    case "confirm":
      return confirmKey(core, overlay, key);
    case "prompt": {
      if (key === "esc") return core.cancel();
      if (key === "enter") {
        core.set({ overlay: undefined });
        return submitPrompt(core, overlay.purpose, overlay.value);
      }
      const value = editText(overlay.value, key);
      if (value !== undefined) core.set({ overlay: { ...overlay, value } });
      return;
    }
    case "pickBook":
      if (key === "esc" || key === "q") return core.cancel();
      if (key === "t" && overlay.for === "mint") return askTokenUses(core);
      if (key === "i" || key === "enter" || key === "s") {
        const book = key === "s" ? "signup" : "invite";
        if (overlay.for === "mint") return askUses(core, book);
        core.set({ overlay: undefined });
        return void editBook(core, book);
      }
      return;
    case "pickRole": {
      const { roles } = core.state.moderation;
      if (key === "esc" || key === "q") return core.cancel();
      if (key === "up" || key === "k" || key === "down" || key === "j") {
        const step = key === "up" || key === "k" ? -1 : 1;
        const index = Math.min(roles.length - 1, Math.max(0, overlay.index + step));
        return core.set({ overlay: { ...overlay, index } });
      }
      const role = roles[overlay.index];
      if (key === "enter" && role) {
        core.set({ overlay: undefined });
        return promote(core, overlay.user, role.name);
      }
      return;
    }
    case "command": {
      if (key === "esc") return core.set({ overlay: undefined });
      if (key === "tab")
        return core.set({ overlay: { ...overlay, value: complete(overlay.value) } });
      if (key === "enter") return runCommandLine(core, overlay.value, run);
      const value = editText(overlay.value, key);
      if (value !== undefined) core.set({ overlay: { ...overlay, value } });
      return;
    }
    case "filter": {
      if (key === "enter") return core.set({ overlay: undefined });
      if (key === "esc") {
        setFilter(core, "");
        return core.set({ overlay: undefined });
      }
      const value = editText(core.state.filters[core.state.view], key);
      if (value !== undefined) setFilter(core, value);
      return;
    }
    case "minted":
      if (key === "y") return copyLink(core, overlay.book, overlay.code, overlay.link);
      if (key === "v") {
        const { book, code, link } = overlay;
        const isInverted = core.state.qrInverted;
        return core.set({ overlay: { kind: "codeLink", book, code, link, isInverted } });
      }
      if (isDialogKey("dialog-close", key)) core.set({ overlay: undefined });
      return;
    case "token":
      if (key === "y") return copyToken(core, overlay.token.token);
      if (isDialogKey("dialog-close", key)) core.set({ overlay: undefined });
      return;
    case "codeLink":
      if (key === "y") return copyLink(core, overlay.book, overlay.code, overlay.link);
      // The choice is remembered: the next QR code opens the same way, in this run and the next.
      if (key === "i") {
        const isInverted = !overlay.isInverted;
        return core.set({ overlay: { ...overlay, isInverted }, qrInverted: isInverted });
      }
      if (isDialogKey("dialog-close", key)) core.set({ overlay: undefined });
      return;
  }
}

function helpKey(
  core: ConsoleCore,
  overlay: Extract<Overlay, { kind: "help" }>,
  key: string,
  run: RunByName,
): void {
  const found = searchBindings(overlay.query);
  if (key === "esc") return core.set({ overlay: undefined });
  if (key === "up" || key === "ctrl+p") {
    return core.set({ overlay: { ...overlay, index: Math.max(0, overlay.index - 1) } });
  }
  if (key === "down" || key === "ctrl+n") {
    const index = Math.min(found.length - 1, overlay.index + 1);
    return core.set({ overlay: { ...overlay, index: Math.max(0, index) } });
  }
  if (key === "enter") {
    const binding = found[overlay.index];
    core.set({ overlay: undefined });
    if (binding) run(binding);
    return;
  }
  const query = editText(overlay.query, key);
  if (query !== undefined) core.set({ overlay: { ...overlay, query, index: 0 } });
}

function confirmKey(core: ConsoleCore, dialog: ConfirmDialog, key: string): void {
  // With a word to type, letters go to the field: only Tab and arrows move the focus.
  const typing = dialog.typeWord !== undefined;
  if (isDialogKey("dialog-cancel", key, typing)) return core.cancel();
  if (isDialogKey("dialog-switch", key, typing)) {
    const focus = dialog.focus === "cancel" ? "confirm" : "cancel";
    return core.set({ overlay: { ...dialog, focus } });
  }
  if (!isDialogKey("dialog-choose", key, typing)) {
    const typed = typing ? editText(dialog.typed ?? "", key) : undefined;
    if (typed !== undefined) core.set({ overlay: { ...dialog, typed } });
    return;
  }
  if (dialog.focus === "cancel") return core.cancel();
  if (typing && dialog.typed?.trim().toLowerCase() !== dialog.typeWord) {
    return core.refuse(`type "${dialog.typeWord}" first, or Esc to cancel`);
  }
  core.set({ overlay: undefined });
  followConfirmed(core, dialog.then);
}

function runCommandLine(core: ConsoleCore, line: string, run: RunByName): void {
  core.set({ overlay: undefined });
  const { name, args } = parseCommand(line);
  if (!name) return;
  const binding = commandBinding(name);
  if (!binding) return core.refuse(`unknown command ":${sanitize(name)}" (? lists them)`);
  run(binding, args);
}
