/**
 * Which vetting records belong to whom, so that a knock's checks (an open vetting already, a
 * reference record carried over) read that person's few records instead of the whole book: with
 * thousands of rooms open, scanning the book on every knock was most of the engine's cost.
 */
import type { VettingBook, VettingRecord } from "../vetting/record.js";

export class RecordsByPerson {
  private readonly keys = new Map<string, Set<string>>();

  constructor(book: VettingBook) {
    for (const record of Object.values(book)) this.add(record);
  }

  /** Every record the book gets goes through here (the engine's commit). */
  add(record: VettingRecord): void {
    const keys = this.keys.get(record.user) ?? new Set<string>();
    this.keys.set(record.user, keys.add(record.key));
  }

  /** Drops what the book no longer holds (closed records forgotten after RETENTION_DAYS). */
  forgetMissing(book: VettingBook): void {
    for (const [user, keys] of this.keys) {
      for (const key of keys) if (!book[key]) keys.delete(key);
      if (keys.size === 0) this.keys.delete(user);
    }
  }

  /** The part of `book` that is `user`'s, in the order it was recorded; forgotten records drop out. */
  of(book: VettingBook, user: string): VettingBook {
    const keys = this.keys.get(user);
    const mine: VettingBook = {};
    if (!keys) return mine;
    for (const key of keys) {
      const record = book[key];
      if (record) mine[key] = record;
      else keys.delete(key);
    }
    if (keys.size === 0) this.keys.delete(user);
    return mine;
  }
}
