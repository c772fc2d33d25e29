/**
 * A code book edited in $EDITOR: the book goes to a temporary file, the
 * editor gets the terminal, and what comes back is parsed as a code book.
 * A bad edit shows why and offers the editor again on the same text; a good
 * one shows its changes (added, removed, changed) and is applied only when
 * confirmed. Changes are taken against the book as it was when the editor
 * opened, so uses spent meanwhile are not undone by codes left alone.
 */
import type { CodeBookName } from "../../core/api.js";
import type { CodeBook } from "../../core/codes/code-book.js";
import {
  bookText,
  diffBooks,
  isEmptyDiff,
  parseBookText,
  type BookDiff,
} from "../format/code-book-diff.js";
import { sanitize } from "../sanitize.js";
import type { ConsoleCore } from "./console-core.js";

/** Lines of a diff the dialog shows before "and N more". */
const SHOWN = 8;

export async function editBook(
  core: ConsoleCore,
  book: CodeBookName,
  text?: string,
  base: CodeBook = core.state.codes[book],
): Promise<void> {
  const { editText } = core.options;
  if (!editText) return core.refuse("no editor here: the console has no terminal to lend it");
  core.set({ notice: { tone: "busy", text: `editing the ${book} book in your editor…` } });
  let edited: string;
  try {
    edited = await editText(text ?? bookText(base), `${book}-codes.json`);
  } catch (error) {
    return core.refuse(`edit failed: ${sanitize(error instanceof Error ? error.message : error)}`);
  }
  const parsed = parseBookText(edited);
  if (!parsed.ok) {
    core.set({ notice: undefined });
    return core.confirm({
      title: `The edited ${book} book is not valid; nothing was applied`,
      lines: [
        sanitize(parsed.error, { max: 300 }),
        "Edit again to fix it, or Cancel to drop the edit.",
      ],
      confirmLabel: "Edit again",
      destructive: false,
      then: { kind: "reopenEditor", book, text: edited, base },
    });
  }
  const diff = diffBooks(base, parsed.book);
  if (isEmptyDiff(diff)) {
    return core.set({ notice: { tone: "info", text: `no changes to the ${book} book` } });
  }
  core.set({ notice: undefined });
  core.confirm({
    title: `Apply ${changeCount(diff)} to the ${book} book?`,
    lines: diffLines(diff),
    confirmLabel: "Apply",
    destructive: true,
    then: { kind: "applyCodeEdit", book, edit: diff.edit },
  });
}

function changeCount(diff: BookDiff): string {
  const n = diff.added.length + diff.removed.length + diff.changed.length;
  return n === 1 ? "1 change" : `${n} changes`;
}

/** The changes as dialog lines: + added, - removed, ~ changed (with what changed). */
export function diffLines(diff: BookDiff): string[] {
  const lines = [
    ...diff.added.map((code) => `+ ${sanitize(code, { max: 40 })}`),
    ...diff.removed.map((code) => `- ${sanitize(code, { max: 40 })} (links with it stop working)`),
    ...diff.changed.map((change) => `~ ${sanitize(change.code, { max: 40 })}: ${change.what}`),
  ];
  if (lines.length <= SHOWN) return lines;
  return [...lines.slice(0, SHOWN - 1), `and ${lines.length - SHOWN + 1} more`];
}
