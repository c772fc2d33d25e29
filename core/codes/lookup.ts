/**
 * Finding a code by what a person typed, the one way for every door (knock
 * reasons, join links, signup, revokes from chat and the admin API): the code
 * as spelled, after trimming; else the one code equal to it ignoring case,
 * since people retype codes in lowercase. When two codes differ only in case,
 * a guess would be a coin toss, so none is chosen.
 */
import type { CodeBook } from "./code-book.js";

/** Codes by name as typed: the exact spelling, else the one code that folds to the same text. */
export function codeFinder(book: CodeBook): (typed: string) => string | undefined {
  let byFolded: Map<string, string | null> | undefined;
  return (typed) => {
    const wanted = typed.trim();
    if (!wanted) return undefined;
    if (Object.hasOwn(book, wanted)) return wanted;
    if (!byFolded) {
      byFolded = new Map();
      for (const code of Object.keys(book)) {
        const folded = code.toLowerCase();
        // null marks a folded spelling two codes share.
        byFolded.set(folded, byFolded.has(folded) ? null : code);
      }
    }
    return byFolded.get(wanted.toLowerCase()) ?? undefined;
  };
}

/** The code in `book` that `typed` names (see codeFinder), or undefined. */
export function codeNamed(book: CodeBook, typed: string): string | undefined {
  return codeFinder(book)(typed);
}

/**
 * Finds the code a knock reason names: the whole reason, or one of its words.
 * People paste "my code is ABC-123" as often as the bare code.
 */
export function findCodeInReason(book: CodeBook, reason: string): string | undefined {
  const find = codeFinder(book);
  const whole = find(reason);
  if (whole) return whole;
  for (const word of reason.trim().split(/[\s,;:"'`]+/)) {
    const hit = find(word);
    if (hit) return hit;
  }
  return undefined;
}
