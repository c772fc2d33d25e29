/**
 * Ink's (input, key) pair as the registry's key names. Typed keys can arrive
 * several in one chunk (tmux `send-keys j j j`, a fast typist over SSH): each
 * character becomes its own key, in order.
 */
import type { Key } from "ink";

export function keyNames(input: string, key: Key): string[] {
  if (key.eventType === "release") return [];
  if (key.upArrow) return ["up"];
  if (key.downArrow) return ["down"];
  if (key.leftArrow) return ["left"];
  if (key.rightArrow) return ["right"];
  if (key.pageUp) return ["pgup"];
  if (key.pageDown) return ["pgdn"];
  if (key.home) return ["home"];
  if (key.end) return ["end"];
  if (key.return) return ["enter"];
  if (key.escape) return ["esc"];
  if (key.tab) return [key.shift ? "shift+tab" : "tab"];
  if (key.backspace || key.delete) return ["backspace"];
  if (key.ctrl) return input ? [`ctrl+${input.toLowerCase()}`] : [];
  // Esc and the next key typed quickly arrive as one chunk, which reads as Alt+key; the
  // console has no Alt bindings, so it is taken as what was meant: Esc, then the key.
  if (key.meta) return input ? ["esc", ...[...input].flatMap(charKey)] : [];
  return [...input].flatMap(charKey);
}

function charKey(char: string): string[] {
  if (char === "\r" || char === "\n") return ["enter"];
  if (char === "\t") return ["tab"];
  if (char === "\x7f" || char === "\b") return ["backspace"];
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return [];
  return [char];
}

/** A key that types a character into a text field. */
export function isPrintable(name: string): boolean {
  return [...name].length === 1;
}
