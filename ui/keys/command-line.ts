/** The `:` command line: a registry id and its arguments, with completion over the registry. */
import { REGISTRY, type Binding } from "./registry.js";

export interface ParsedCommand {
  readonly name: string;
  readonly args: string;
}

export function parseCommand(line: string): ParsedCommand {
  const trimmed = line.trim().replace(/^:/, "");
  const space = trimmed.search(/\s/);
  if (space < 0) return { name: trimmed, args: "" };
  return { name: trimmed.slice(0, space), args: trimmed.slice(space + 1).trim() };
}

/** Short names people type out of habit (vim, k9s). */
const ALIASES: Readonly<Record<string, string>> = { q: "quit", "q!": "quit", h: "help" };

export function commandBinding(name: string): Binding | undefined {
  const id = ALIASES[name] ?? name;
  return REGISTRY.find((binding) => binding.id === id);
}

/** Registry ids that start with what has been typed of the first word. */
export function completions(line: string): string[] {
  if (/\s/.test(line.trimStart())) return [];
  const typed = line.trim();
  return REGISTRY.map((binding) => binding.id).filter((id) => id.startsWith(typed));
}

/** Tab: the one match with a space after it, or the longest prefix all matches share. */
export function complete(line: string): string {
  const matches = completions(line);
  const [first] = matches;
  if (first === undefined) return line;
  if (matches.length === 1) return `${first} `;
  let prefix = first;
  for (const match of matches) {
    while (!match.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  return prefix.length > line.trim().length ? prefix : line;
}
