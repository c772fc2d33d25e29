/**
 * The two code books (invite codes and signup codes), in the reference JSON
 * format: `{"CODE": {"uses_remaining": N, "label": "…", "minted_by"?, "inviter"?}}`.
 * anteroom adds two optional fields: `expires_at` (unix seconds) and
 * `redeemed_by`, the keys of the redemptions already charged, which makes a
 * redeem idempotent: charging the same knock twice (a retry after a crash)
 * spends one use, once.
 */
import * as z from "zod";

export const codeEntrySchema = z.looseObject({
  uses_remaining: z.number().int().min(0),
  label: z.string().default(""),
  minted_by: z.string().optional(),
  inviter: z.string().optional(),
  expires_at: z.number().optional(),
  redeemed_by: z.array(z.string()).optional(),
});
export type CodeEntry = z.infer<typeof codeEntrySchema>;
export type CodeBook = Record<string, CodeEntry>;

const codeBookSchema = z.record(z.string().min(1), codeEntrySchema);

/** How many redemption keys a code keeps: enough to cover any retry window. */
const REDEMPTION_MEMORY = 500;

/** Parses a code book read from disk or from an operator; throws a readable error. */
export function parseCodeBook(raw: unknown): CodeBook {
  const result = codeBookSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join(".") : "the top level";
  throw new Error(`at ${where}: ${issue?.message ?? "not a code book"}`);
}

export type RedeemRefusal = "unknown_code" | "used_up" | "expired";
export type RedeemOutcome =
  | { ok: true; book: CodeBook; code: string; entry: CodeEntry; alreadyCharged: boolean }
  | { ok: false; refusal: RedeemRefusal };

/**
 * Spends one use of `code` for the redemption `key` (a knock event id, a lobby
 * request id). A key that was charged before is not charged again.
 */
export function redeemCode(
  book: CodeBook,
  code: string,
  key: string,
  nowSec: number,
): RedeemOutcome {
  const entry = book[code];
  if (!entry) return { ok: false, refusal: "unknown_code" };
  if (entry.redeemed_by?.includes(key)) {
    return { ok: true, book, code, entry, alreadyCharged: true };
  }
  if (entry.expires_at !== undefined && entry.expires_at <= nowSec) {
    return { ok: false, refusal: "expired" };
  }
  if (entry.uses_remaining <= 0) return { ok: false, refusal: "used_up" };
  const charged: CodeEntry = {
    ...entry,
    uses_remaining: entry.uses_remaining - 1,
    redeemed_by: [...(entry.redeemed_by ?? []), key].slice(-REDEMPTION_MEMORY),
  };
  return {
    ok: true,
    book: { ...book, [code]: charged },
    code,
    entry: charged,
    alreadyCharged: false,
  };
}

/** Gives back a use charged for `key` (the vetting room could never be made). */
export function refundCode(book: CodeBook, code: string, key: string): CodeBook {
  const entry = book[code];
  if (!entry?.redeemed_by?.includes(key)) return book;
  return {
    ...book,
    [code]: {
      ...entry,
      uses_remaining: entry.uses_remaining + 1,
      redeemed_by: entry.redeemed_by.filter((k) => k !== key),
    },
  };
}

/**
 * Adds the codes of a seed (INITIAL_CODES) that the book does not have yet;
 * a code already present keeps its remaining uses.
 */
export function seedCodeBook(book: CodeBook, seed: CodeBook): { book: CodeBook; added: string[] } {
  const added = Object.keys(seed).filter((code) => !(code in book));
  if (added.length === 0) return { book, added };
  const next = { ...book };
  for (const code of added) next[code] = seed[code] as CodeEntry;
  return { book: next, added };
}

const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"; // no 0/O, 1/I: codes are read aloud and typed

/** A fresh code: 10 characters from an unambiguous alphabet, from caller-supplied random bytes. */
export function formatCode(randomBytes: Uint8Array): string {
  let out = "";
  for (const byte of randomBytes.slice(0, 10)) out += CODE_ALPHABET[byte % CODE_ALPHABET.length];
  return out;
}

/** The link a code is handed out with: the join page for invite codes, the signup page for signup codes. */
export function codeLink(publicUrl: string, book: "invite" | "signup", code: string): string {
  const page = book === "invite" ? "join" : "signup";
  return `${publicUrl.replace(/\/+$/, "")}/${page}?code=${encodeURIComponent(code)}`;
}
