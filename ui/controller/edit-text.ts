/** One key applied to a one-line text field; undefined when the key is not an edit. */
import { isPrintable } from "../keys/key-names.js";

export function editText(value: string, key: string): string | undefined {
  if (key === "backspace") return [...value].slice(0, -1).join("");
  if (key === "ctrl+u") return "";
  if (key === "ctrl+w") return value.replace(/\S*\s*$/, "");
  if (isPrintable(key)) return value + key;
  return undefined;
}
