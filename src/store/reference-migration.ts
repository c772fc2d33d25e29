/**
 * On the first start over a reference approver's data dir: its vetting.json is
 * rewritten in anteroom's shape (open vettings carry on), after the original is
 * copied aside as `vetting.json.reference-<time>`. codes.json,
 * signup_codes.json and log.jsonl already have the shape anteroom uses.
 */
import { copyFile } from "node:fs/promises";
import {
  carryOverVettingBook,
  isReferenceVettingBook,
  type CarryOverContext,
} from "../../core/migration/reference-vetting.js";
import { readFileIfExists, writeFileAtomic } from "./atomic-file.js";

export interface ReferenceCarryOver {
  readonly backup: string;
  readonly open: number;
  readonly closed: number;
  readonly skipped: readonly { roomId: string; why: string }[];
}

/** Converts a reference vetting.json in place; resolves undefined when the file is absent or already anteroom's. */
export async function carryOverReferenceVetting(
  path: string,
  context: CarryOverContext,
): Promise<ReferenceCarryOver | undefined> {
  const text = await readFileIfExists(path);
  if (text === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined; // not ours to judge here: opening the book reports a malformed file
  }
  if (!isReferenceVettingBook(raw)) return undefined;
  const carried = carryOverVettingBook(raw, context);
  const backup = `${path}.reference-${new Date(context.now).toISOString().replace(/[:.]/g, "-")}`;
  await copyFile(path, backup);
  await writeFileAtomic(path, JSON.stringify(carried.book, null, 2) + "\n");
  return { backup, open: carried.open, closed: carried.closed, skipped: carried.skipped };
}
