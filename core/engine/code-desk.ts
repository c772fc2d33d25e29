/**
 * The engine's code-book side: a moderator mints, revokes or edits codes in
 * either book (invite codes, signup codes). Each change takes its turn in the
 * engine's one serial queue, is made durable and audited, then published as a
 * `codes` event so every front end sees the book as it is now.
 */
import type { AuditEntry } from "../effects.js";
import { formatCode, parseCodeBook, type CodeBook, type CodeEntry } from "../codes/code-book.js";
import type { CodeBookEdit, CodeBookName, CommandResult, MintRequest } from "../api.js";
import type { AuditSink, Clock, Store } from "../ports.js";
import type { EngineEvents } from "./events.js";
import type { SerialQueue } from "./serial.js";

export interface CodeDeskDeps {
  readonly codes: Store<CodeBook>;
  readonly signupCodes: Store<CodeBook>;
  readonly audit: AuditSink;
  readonly clock: Clock;
  readonly events: EngineEvents;
  readonly decisions: SerialQueue;
  /** Unpredictable bytes, for minting codes. */
  readonly secureRandom: (bytes: number) => Uint8Array;
}

export class CodeDesk {
  constructor(private readonly deps: CodeDeskDeps) {}

  mint(book: CodeBookName, request: MintRequest): Promise<{ code: string; entry: CodeEntry }> {
    return this.deps.decisions.run(async () => {
      const store = this.book(book);
      const code = this.freshCode(book);
      const entry: CodeEntry = {
        uses_remaining: request.uses,
        label: request.label,
        minted_by: request.by,
        ...(request.inviter ? { inviter: request.inviter } : {}),
        ...(request.expiresAt === undefined ? {} : { expires_at: request.expiresAt }),
      };
      if (!Number.isInteger(entry.uses_remaining) || entry.uses_remaining < 1) {
        throw new Error("a code needs at least one use");
      }
      store.update((codes) => ({ ...codes, [code]: entry }));
      await this.recordBookChange(book, {
        type: "code_minted",
        book,
        code,
        label: request.label,
        uses: request.uses,
        by: request.by,
      });
      return { code, entry };
    });
  }

  revoke(book: CodeBookName, code: string, by: string): Promise<CommandResult> {
    return this.deps.decisions.run(async () => {
      const store = this.book(book);
      if (!(code in store.value)) return { ok: false, error: `no ${book} code ${code}` };
      store.update((codes) => {
        const rest = { ...codes };
        delete rest[code];
        return rest;
      });
      await this.recordBookChange(book, { type: "code_revoked", book, code, by });
      return { ok: true };
    });
  }

  edit(book: CodeBookName, edit: CodeBookEdit, by: string): Promise<CommandResult> {
    return this.deps.decisions.run(async () => {
      let set: CodeBook;
      try {
        set = parseCodeBook(edit.set);
      } catch (error) {
        return { ok: false, error: `not a code book ${(error as Error).message}` };
      }
      const store = this.book(book);
      const before = store.value;
      const removed = edit.remove.filter((code) => code in before && !(code in set));
      const added = Object.keys(set).filter((code) => !(code in before));
      const changed = Object.keys(set).filter((code) => code in before);
      if (removed.length + added.length + changed.length === 0) return { ok: true };
      store.update((codes) => {
        const next = { ...codes };
        for (const code of removed) delete next[code];
        for (const [code, entry] of Object.entries(set)) {
          // The knocks a code was charged for stay remembered: a retry must not charge it again.
          const { redeemed_by: _ignored, ...fields } = entry;
          const redeemedBy = codes[code]?.redeemed_by;
          next[code] = redeemedBy ? { ...fields, redeemed_by: redeemedBy } : fields;
        }
        return next;
      });
      await this.recordBookChange(book, {
        type: "code_book_edited",
        book,
        added,
        changed,
        removed,
        by,
      });
      return { ok: true };
    });
  }

  /** A code that is not in `book` yet (minted codes, welcome codes). */
  freshCode(book: CodeBookName): string {
    const taken = this.book(book).value;
    let code = formatCode(this.deps.secureRandom(10));
    while (code in taken) code = formatCode(this.deps.secureRandom(10));
    return code;
  }

  private book(name: CodeBookName): Store<CodeBook> {
    return name === "invite" ? this.deps.codes : this.deps.signupCodes;
  }

  private async recordBookChange(book: CodeBookName, entry: AuditEntry): Promise<void> {
    const ts = this.deps.clock.now() / 1000;
    await Promise.all([this.book(book).flush(), this.deps.audit.append({ ts, ...entry })]);
    this.deps.events.emit({ type: "codes", book, codes: this.book(book).value });
    this.deps.events.emit({ type: "audit", entry: { ts, ...entry } });
  }
}
