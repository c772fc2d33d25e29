/**
 * On the first start over a reference approver's data dir: its vetting.json and
 * lobby.json are rewritten in anteroom's shape (open vettings and lobbies carry
 * on), after each original is copied aside as `<file>.reference-<time>`.
 * codes.json, signup_codes.json and log.jsonl already have the shape anteroom
 * uses; the reference's other files (sync cursors, its crypto store, operator
 * announcements) are not read at all.
 */
import { chmod, copyFile, rename } from "node:fs/promises";
import {
  carryOverVettingBook,
  isReferenceVettingBook,
  type CarryOverContext,
} from "../../core/migration/reference-vetting.js";
import {
  carryOverLobbyBook,
  hasReferenceLobbies,
  type LobbyCarryOverContext,
} from "../../core/migration/reference-lobby.js";
import { PRIVATE_FILE_MODE, readFileIfExists, writeFileAtomic } from "./atomic-file.js";

export interface ReferenceCarryOver {
  readonly backup: string;
  readonly open: number;
  readonly closed: number;
  readonly skipped: readonly { roomId: string; why: string }[];
  /**
   * Where an earlier anteroom's journal of vetting.json went: the reference wrote the file
   * since (anteroom was killed, the reference ran again), so the journal describes an older
   * book and must not be replayed over this one. Kept aside, never deleted.
   */
  readonly staleJournal?: string;
}

/** Converts a reference vetting.json in place; resolves undefined when the file is absent or already anteroom's. */
export async function carryOverReferenceVetting(
  path: string,
  context: CarryOverContext,
): Promise<ReferenceCarryOver | undefined> {
  const raw = await readJson(path);
  if (!isReferenceVettingBook(raw)) return undefined;
  const carried = carryOverVettingBook(raw, context);
  const backup = await rewriteKeepingOriginal(path, carried.book, context.now);
  const staleJournal = await setAside(`${path}.journal`, context.now);
  return {
    backup,
    open: carried.open,
    closed: carried.closed,
    skipped: carried.skipped,
    ...(staleJournal === undefined ? {} : { staleJournal }),
  };
}

/**
 * Converts the reference lobbies of a lobby.json in place (anteroom's own entries stay as
 * they are); resolves undefined when the file is absent or holds no reference lobby.
 */
export async function carryOverReferenceLobbies(
  path: string,
  context: LobbyCarryOverContext,
): Promise<ReferenceCarryOver | undefined> {
  const raw = await readJson(path);
  if (!hasReferenceLobbies(raw)) return undefined;
  const carried = carryOverLobbyBook(raw, context);
  const backup = await rewriteKeepingOriginal(path, carried.book, context.now);
  return { backup, open: carried.open, closed: carried.closed, skipped: carried.skipped };
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFileIfExists(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // not ours to judge here: opening the book reports a malformed file
  }
}

/** Renames `path` aside (`<path>.stale-<time>`) if it exists; resolves the new name. */
async function setAside(path: string, now: number): Promise<string | undefined> {
  const aside = `${path}.stale-${new Date(now).toISOString().replace(/[:.]/g, "-")}`;
  try {
    await rename(path, aside);
    return aside;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** The original is copied aside before the rewrite, so a failed rewrite still leaves it. */
async function rewriteKeepingOriginal(path: string, book: unknown, now: number): Promise<string> {
  const backup = `${path}.reference-${new Date(now).toISOString().replace(/[:.]/g, "-")}`;
  await copyFile(path, backup);
  // The reference wrote its files 0644; the backup holds the same codes and names.
  await chmod(backup, PRIVATE_FILE_MODE);
  await writeFileAtomic(path, JSON.stringify(book, null, 2) + "\n");
  return backup;
}
