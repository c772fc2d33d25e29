/**
 * Carrying the reference approver's vetting.json over. Its records are keyed by
 * vetting room id ({mxid, code, created, title, keyword, tries_left, promoted,
 * closed, …}); ours are keyed by the knock that opened them, which the reference
 * never kept. A carried-over record gets the key `reference:<room id>`: the
 * person's knock, still pending on the space, is then recognised as already
 * handled (see core/vetting/knocks.ts) instead of charging a code and opening a second room.
 */
import type { VettingBook, VettingPhase, VettingRecord } from "../vetting/record.js";
import { isUserId } from "../moderation/matrix-ids.js";

export const REFERENCE_KEY_PREFIX = "reference:";

export interface ReferenceVettingEntry {
  readonly mxid: string;
  readonly code?: string;
  readonly created?: number;
  readonly title?: string;
  readonly keyword?: string;
  readonly tries_left?: number;
  readonly promoted?: boolean;
  readonly closed?: boolean;
  readonly displayname?: string;
  readonly promoted_at?: number;
  readonly closed_reason?: string;
}

export interface CarryOverContext {
  /** When the switch happens (ms): replies sent before it were judged by the reference. */
  readonly now: number;
  readonly lifetimeSec: number;
  readonly maxTries: number;
}

/** True when the parsed file is in the reference's shape (every entry names an `mxid`, none a `phase`). */
export function isReferenceVettingBook(raw: unknown): raw is Record<string, ReferenceVettingEntry> {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return false;
  const entries = Object.values(raw as Record<string, unknown>);
  return (
    entries.length > 0 &&
    entries.every(
      (entry) =>
        !!entry &&
        typeof entry === "object" &&
        typeof (entry as { mxid?: unknown }).mxid === "string" &&
        !("phase" in entry),
    )
  );
}

export interface CarriedOver {
  readonly book: VettingBook;
  readonly open: number;
  readonly closed: number;
  /** Entries that could not be read, with why; they are kept in the backup, not carried over. */
  readonly skipped: readonly { roomId: string; why: string }[];
}

export function carryOverVettingBook(
  reference: Record<string, ReferenceVettingEntry>,
  context: CarryOverContext,
): CarriedOver {
  const book: VettingBook = {};
  const skipped: { roomId: string; why: string }[] = [];
  let open = 0;
  for (const [roomId, entry] of Object.entries(reference)) {
    const record = carryOver(roomId, entry, context);
    if (typeof record === "string") {
      skipped.push({ roomId, why: record });
      continue;
    }
    book[record.key] = record;
    if (record.phase === "open") open++;
  }
  return { book, open, closed: Object.keys(book).length - open, skipped };
}

function carryOver(
  roomId: string,
  entry: ReferenceVettingEntry,
  context: CarryOverContext,
): VettingRecord | string {
  if (!isUserId(entry.mxid)) return `"mxid" is not a Matrix user id`;
  const createdMs = seconds(entry.created) ?? context.now;
  const phase = phaseOf(entry);
  const record: VettingRecord = {
    key: `${REFERENCE_KEY_PREFIX}${roomId}`,
    user: entry.mxid,
    ...(entry.displayname ? { displayName: entry.displayname } : {}),
    reason: entry.code ?? "",
    knockedAt: createdMs,
    phase,
    ...(entry.code ? { code: entry.code } : {}),
    roomId,
    triesLeft: clampTries(entry.tries_left, context.maxTries),
    judged: [],
    outbox: [],
    nextEffectId: 1,
    repliesAfter: context.now,
  };
  if (entry.title && entry.keyword)
    record.challenge = { topic: entry.title, keyword: entry.keyword };
  if (phase === "open") {
    if (!record.challenge) return "an open vetting without its title and keyword cannot be judged";
    record.expiresAt = createdMs + context.lifetimeSec * 1000;
    return record;
  }
  record.closedAt = seconds(entry.promoted_at) ?? createdMs;
  record.outcome = phase === "passed" ? "passed" : (entry.closed_reason ?? "closed");
  return record;
}

function phaseOf(entry: ReferenceVettingEntry): VettingPhase {
  if (entry.promoted) return "passed";
  if (!entry.closed) return "open";
  return entry.closed_reason === "timeout" ? "timed_out" : "failed";
}

function seconds(value: number | undefined): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? Math.round(value * 1000) : undefined;
}

function clampTries(value: number | undefined, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) return max;
  return Math.max(0, Math.min(max, Math.floor(value)));
}
