/**
 * The one key registry. Every binding says which keys run it, what it does (for
 * the help screen), a short hint (for the hint bar), whether it destroys
 * something (it then confirms, Cancel focused), where it applies, and why it is
 * disabled when it is: disabled keys still answer, with the reason, so muscle
 * memory keeps working. The dispatcher, the hint bar, the help screen and the
 * `:` command line all read this list; nothing else defines a key. The
 * bindings themselves live by domain in ./bindings/.
 */
import type { Screen } from "../state/console-state.js";
import type { Binding } from "./binding.js";
import { CODE_BINDINGS } from "./bindings/codes.js";
import { MODERATION_BINDINGS } from "./bindings/moderation.js";
import { NAVIGATION_BINDINGS } from "./bindings/navigation.js";
import { RECORD_BINDINGS } from "./bindings/records.js";
import { triageFixBinding } from "./bindings/triage-fix.js";
import { applyDialogKeyMap, dialogKeysOf } from "./dialog-keys.js";

export type { Binding, BindingContext } from "./binding.js";

/** In this order: the first binding that claims a key on a screen runs it. */
export const DEFAULT_BINDINGS: readonly Binding[] = [
  ...NAVIGATION_BINDINGS,
  triageFixBinding(bindingById),
  ...RECORD_BINDINGS,
  ...CODE_BINDINGS,
  ...MODERATION_BINDINGS,
];

/** The bindings with the moderator's key map applied (key-map.ts checks it first). */
export let REGISTRY: readonly Binding[] = DEFAULT_BINDINGS;

/**
 * The keys each binding id gets instead of its own; the others keep theirs. One console runs per
 * process, so the registry every reader sees is swapped, not threaded through each of them.
 */
export function applyKeyMap(keys: Readonly<Record<string, readonly string[]>>): void {
  applyDialogKeyMap(keys);
  REGISTRY = DEFAULT_BINDINGS.map((binding) => {
    const remapped = keys[binding.id];
    return remapped ? { ...binding, keys: remapped } : binding;
  });
}

/** The binding a key runs on a screen: the first in the registry that claims it there. */
export function bindingFor(key: string, screen: Screen): Binding | undefined {
  return REGISTRY.find((b) => b.keys.includes(key) && b.screens.includes(screen));
}

export function bindingById(id: string): Binding | undefined {
  return REGISTRY.find((b) => b.id === id);
}

const KEY_LABELS: Readonly<Record<string, string>> = {
  enter: "Enter",
  esc: "Esc",
  tab: "Tab",
  "shift+tab": "S-Tab",
  up: "↑",
  down: "↓",
  pgup: "PgUp",
  pgdn: "PgDn",
  home: "Home",
  end: "End",
  " ": "Space",
};

/** How a key is written on screen: "j/↓", "Enter", "C-c". */
export function keyLabel(keys: readonly string[]): string {
  return keys
    .map((key) => KEY_LABELS[key] ?? (key.startsWith("ctrl+") ? `C-${key.slice(5)}` : key))
    .join("/");
}

/** "Esc/Enter": the first two keys that close a shown code or token, as the key map has them. */
export function closeKeys(): string {
  return keyLabel(dialogKeysOf("dialog-close").slice(0, 2));
}
