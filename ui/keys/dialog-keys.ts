/**
 * The keys inside dialogs: a confirmation (choose the focused button, cancel,
 * move the focus) and
 * a shown code or token (close it). They answer only while the dialog is open,
 * so they are not view bindings, but the moderator's key map remaps them the
 * same way: `keys: { "dialog-cancel": ["esc", "N"] }`.
 */
export const DEFAULT_DIALOG_KEYS = {
  "dialog-choose": ["enter"],
  "dialog-cancel": ["esc", "n"],
  "dialog-switch": ["tab", "shift+tab", "left", "right", "h", "l"],
  "dialog-close": ["esc", "enter", "q", " "],
} as const satisfies Record<string, readonly string[]>;

export type DialogKeyId = keyof typeof DEFAULT_DIALOG_KEYS;

export const DIALOG_KEY_IDS = Object.keys(DEFAULT_DIALOG_KEYS) as DialogKeyId[];

let dialogKeys: Readonly<Record<DialogKeyId, readonly string[]>> = DEFAULT_DIALOG_KEYS;

export function isDialogKeyId(id: string): id is DialogKeyId {
  return Object.hasOwn(DEFAULT_DIALOG_KEYS, id);
}

/** The key map's dialog entries replace the defaults; the others keep theirs. */
export function applyDialogKeyMap(keyMap: Readonly<Record<string, readonly string[]>>): void {
  dialogKeys = Object.fromEntries(
    DIALOG_KEY_IDS.map((id) => [id, keyMap[id] ?? DEFAULT_DIALOG_KEYS[id]]),
  ) as Record<DialogKeyId, readonly string[]>;
}

/** The keys that do `id` now, the key map applied: for the hints the dialogs show. */
export function dialogKeysOf(id: DialogKeyId): readonly string[] {
  return dialogKeys[id];
}

/**
 * Whether `key` does `id` in an open dialog. While a word is being typed into the dialog, a
 * printable key goes to the field instead, whatever it is mapped to.
 */
export function isDialogKey(id: DialogKeyId, key: string, isTyping = false): boolean {
  if (isTyping && [...key].length === 1) return false;
  return dialogKeys[id].includes(key);
}

/** A key the key map gives to two of choose, cancel and switch: only one could ever run. */
export function dialogClash(
  keyMap: Readonly<Record<string, readonly string[]>>,
): string | undefined {
  const claimed = new Map<string, DialogKeyId>();
  for (const id of ["dialog-choose", "dialog-cancel", "dialog-switch"] as const) {
    for (const key of keyMap[id] ?? DEFAULT_DIALOG_KEYS[id]) {
      const other = claimed.get(key);
      if (other)
        return `${JSON.stringify(key)} is taken twice in dialogs: by "${other}" and "${id}"`;
      claimed.set(key, id);
    }
  }
  return undefined;
}
