/**
 * A code book as a moderator edits it in $EDITOR, and what their edit
 * changed: codes added, removed, changed (which fields). The text leaves out
 * `redeemed_by`, the engine's memory of charged knocks: it is not the
 * moderator's to edit, and the engine keeps it for every code that stays.
 */
import type { CodeBookEdit } from "../../core/api.js";
import { parseCodeBook, type CodeBook, type CodeEntry } from "../../core/codes/code-book.js";
import { sanitize } from "../sanitize.js";

export type { CodeBookEdit } from "../../core/api.js";

export interface BookChange {
  readonly code: string;
  /** "uses 5 → 3", "label “a” → “b”", for the moderator, sanitized. */
  readonly what: string;
}

export interface BookDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly BookChange[];
  readonly edit: CodeBookEdit;
}

function editable(entry: CodeEntry): CodeEntry {
  const { redeemed_by: _redeemed, ...rest } = entry;
  return { ...rest, label: rest.label ?? "" };
}

/** The book as the editor shows it: pretty JSON, codes in order, without `redeemed_by`. */
export function bookText(book: CodeBook): string {
  const shown: CodeBook = {};
  for (const code of Object.keys(book).sort()) shown[code] = editable(book[code] as CodeEntry);
  return `${JSON.stringify(shown, null, 2)}\n`;
}

/** The edited text as a code book, or the reason it is not one (JSON or a field). */
export function parseBookText(
  text: string,
): { ok: true; book: CodeBook } | { ok: false; error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      error: `not JSON: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  try {
    return { ok: true, book: parseCodeBook(raw) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

const FIELDS: readonly [keyof CodeEntry, string][] = [
  ["uses_remaining", "uses"],
  ["label", "label"],
  ["expires_at", "expires"],
  ["inviter", "inviter"],
  ["minted_by", "minted by"],
];

const shownValue = (value: unknown) =>
  value === undefined
    ? "none"
    : typeof value === "string"
      ? `“${sanitize(value, { max: 40 })}”`
      : sanitize(value, { max: 40 });

/** What `edited` changes in `base`; both without `redeemed_by` as far as the comparison goes. */
export function diffBooks(base: CodeBook, edited: CodeBook): BookDiff {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: BookChange[] = [];
  const set: Record<string, CodeEntry> = {};
  for (const [code, entry] of Object.entries(edited)) {
    const before = base[code];
    const after = editable(entry);
    if (!before) {
      added.push(code);
      set[code] = after;
      continue;
    }
    if (sameEntry(editable(before), after)) continue;
    const what = FIELDS.filter(
      ([field]) => JSON.stringify(before[field]) !== JSON.stringify(after[field]),
    )
      .map(([field, name]) => `${name} ${shownValue(before[field])} → ${shownValue(after[field])}`)
      .join(", ");
    changed.push({ code, what: what || "other fields" });
    set[code] = after;
  }
  for (const code of Object.keys(base)) if (!(code in edited)) removed.push(code);
  return { added, removed, changed, edit: { set, remove: removed } };
}

export function isEmptyDiff(diff: BookDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length === 0;
}

function sameEntry(a: CodeEntry, b: CodeEntry): boolean {
  return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
}

function sorted(entry: CodeEntry): [string, unknown][] {
  return Object.entries(entry)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
}
