/**
 * The moderator's key map: `keys: { "approve": ["A"] }` in the console's config file gives a
 * binding other keys (as lazygit's config does). Checked before the console starts, so a mistake
 * is one line at the prompt, never a key that silently does something else.
 */
import type { Binding } from "./binding.js";
import { DEFAULT_DIALOG_KEYS, dialogClash, isDialogKeyId } from "./dialog-keys.js";
import { DEFAULT_BINDINGS } from "./registry.js";

export type KeyMap = Readonly<Record<string, readonly string[]>>;

/** Every binding, then every dialog key, with its default keys: what `anteroom --print-config` shows. */
export function defaultKeyMap(): Record<string, string[]> {
  return Object.fromEntries([
    ...DEFAULT_BINDINGS.map((binding) => [binding.id, [...binding.keys]]),
    ...Object.entries(DEFAULT_DIALOG_KEYS).map(([id, keys]) => [id, [...keys]]),
  ]);
}

/** The key map in a config file, or why it cannot be used (one sentence, no path). */
export function readKeyMap(raw: unknown): { keyMap: KeyMap } | { problem: string } {
  if (raw === undefined) return { keyMap: {} };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    return {
      problem: `"keys" must be an object of binding ids and key lists, e.g. {"approve": ["A"]}`,
    };
  const keyMap: Record<string, string[]> = {};
  for (const [id, keys] of Object.entries(raw)) {
    if (!isDialogKeyId(id) && !DEFAULT_BINDINGS.some((binding) => binding.id === id))
      return { problem: `${quote(id)} is not a binding id (anteroom --print-config lists them)` };
    if (!Array.isArray(keys) || keys.length === 0 || !keys.every((key) => typeof key === "string"))
      return { problem: `${quote(id)} needs a list of keys, e.g. ["A"]` };
    const bad = keys.find((key) => !isKeyName(key));
    if (bad !== undefined)
      return {
        problem: `${quote(id)}: ${quote(bad)} is not a key (a character, enter, esc, tab, up, ctrl+r…)`,
      };
    keyMap[id] = keys;
  }
  const clash = newClash(keyMap) ?? dialogClash(keyMap);
  return clash ? { problem: clash } : { keyMap };
}

/** As JSON writes it: what the file says, with no control character reaching the terminal. */
const quote = (text: string) => JSON.stringify(text);

const NAMED_KEYS = new Set([
  ...["enter", "esc", "tab", "shift+tab", "backspace"],
  ...["up", "down", "left", "right", "pgup", "pgdn", "home", "end"],
]);

/** A name the dispatcher gives a key (key-names.ts): one printable character, a named key, ctrl+x. */
function isKeyName(key: string): boolean {
  if (NAMED_KEYS.has(key)) return true;
  if (/^ctrl\+[a-z]$/.test(key)) return true;
  return [...key].length === 1 && !/\p{Cc}/u.test(key);
}

/**
 * A key two bindings would claim on one screen, which only the first could ever run. The defaults
 * share a few on purpose (q goes back in the detail pane, before quit): only new clashes count.
 */
function newClash(keyMap: KeyMap): string | undefined {
  const before = claims(DEFAULT_BINDINGS, {});
  for (const [where, ids] of claims(DEFAULT_BINDINGS, keyMap)) {
    if (ids.length < 2 || before.get(where)?.join() === ids.join()) continue;
    const [screen, key] = where.split("\n");
    return `${quote(key ?? "")} is taken twice on the ${screen} screen: by ${ids.map(quote).join(" and ")}`;
  }
  return undefined;
}

/** For each screen and key, the ids of the bindings that claim it. */
function claims(bindings: readonly Binding[], keyMap: KeyMap): Map<string, string[]> {
  const claimed = new Map<string, string[]>();
  for (const binding of bindings) {
    for (const key of keyMap[binding.id] ?? binding.keys) {
      for (const screen of binding.screens) {
        const where = `${screen}\n${key}`;
        claimed.set(where, [...(claimed.get(where) ?? []), binding.id]);
      }
    }
  }
  return claimed;
}
