/**
 * The engine's code-book side: a moderator mints, revokes or edits codes in
 * either book (invite codes, signup codes), and the signup page spends and
 * gives back signup codes. Each change takes its turn in the engine's one
 * serial queue, is made durable (and audited), then published as a `codes`
 * event so every front end sees the book as it is now.
 */
import type { AuditEntry } from "../effects.js";
import {
  formatCode,
  parseCodeBook,
  redeemCode,
  refundCode,
  type CodeBook,
  type CodeEntry,
  type RedeemRefusal,
} from "../codes/code-book.js";
import { codeNamed } from "../codes/lookup.js";
import type { CodeBookEdit, CodeBookName, CommandResult, MintRequest } from "../api.js";
import type { AuditSink, Clock, Log, Store } from "../ports.js";
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
  readonly log: Log;
}

/** A per-code allowance asked just before a use would be spent (signup's rate per code). */
export type UseAllowance = (code: string) => { ok: true } | { ok: false; retryAfterSec: number };

/** What a signup's charge came to: the use is spent and durable, or why nothing was spent. */
export type SignupCharge =
  | { ok: true; code: string; entry: CodeEntry }
  | { ok: false; refusal: RedeemRefusal }
  | { ok: false; refusal: "rate_limited"; retryAfterSec: number }
  /** The book could not be written: the use was given back. */
  | { ok: false; refusal: "store_failed"; error: unknown };

/** The signup page's side of the engine: the one writer of the signup book and the audit log. */
export interface SignupCodes {
  /** Spends one use of the signup code `typed` names for `key`, durably, unless `allow` says no. */
  chargeSignup(typed: string, key: string, allow?: UseAllowance): Promise<SignupCharge>;
  /** Gives back the use charged for `key` (the homeserver refused the account). */
  refundSignup(code: string, key: string): Promise<void>;
  /** Audits a step of a signup (`ts` is now); published like every audit entry. */
  recordAudit(entry: AuditEntry): Promise<void>;
}

export class CodeDesk implements SignupCodes {
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

  chargeSignup(typed: string, key: string, allow?: UseAllowance): Promise<SignupCharge> {
    return this.deps.decisions.run(async (): Promise<SignupCharge> => {
      const store = this.deps.signupCodes;
      const code = codeNamed(store.value, typed);
      if (code === undefined) return { ok: false, refusal: "unknown_code" };
      const nowSec = Math.floor(this.deps.clock.now() / 1000);
      const redeemed = redeemCode(store.value, code, key, nowSec);
      if (!redeemed.ok) return redeemed;
      // Asked only for a use that would be spent: a used-up code is refused as such.
      const allowed = allow?.(code);
      if (allowed && !allowed.ok) {
        return { ok: false, refusal: "rate_limited", retryAfterSec: allowed.retryAfterSec };
      }
      store.update(() => redeemed.book);
      try {
        // Durable before the homeserver is asked for the account.
        await store.flush();
      } catch (error) {
        await this.giveBack(code, key);
        return { ok: false, refusal: "store_failed", error };
      }
      this.deps.events.emit({ type: "codes", book: "signup", codes: store.value });
      return { ok: true, code, entry: redeemed.entry };
    });
  }

  refundSignup(code: string, key: string): Promise<void> {
    return this.deps.decisions.run(() => this.giveBack(code, key));
  }

  async recordAudit(entry: AuditEntry): Promise<void> {
    const ts = this.deps.clock.now() / 1000;
    await this.deps.audit.append({ ts, ...entry });
    this.deps.events.emit({ type: "audit", entry: { ts, ...entry } });
  }

  /** A code that is not in `book` yet (minted codes, welcome codes). */
  freshCode(book: CodeBookName): string {
    const taken = this.book(book).value;
    let code = formatCode(this.deps.secureRandom(10));
    while (code in taken) code = formatCode(this.deps.secureRandom(10));
    return code;
  }

  private async giveBack(code: string, key: string): Promise<void> {
    const store = this.deps.signupCodes;
    store.update((book) => refundCode(book, code, key));
    this.deps.events.emit({ type: "codes", book: "signup", codes: store.value });
    await store.flush().catch((error: unknown) => {
      this.deps.log.error({ err: error }, "signup: could not record a refunded signup code use");
    });
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
