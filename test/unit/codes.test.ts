import { test } from "node:test";
import assert from "node:assert/strict";
import {
  formatCode,
  parseCodeBook,
  redeemCode,
  refundCode,
  seedCodeBook,
} from "../../core/codes/code-book.js";
import { findCodeInReason } from "../../core/codes/lookup.js";

const book = parseCodeBook({
  WELCOME1: { uses_remaining: 1, label: "one use" },
  MANY: { uses_remaining: 5, label: "five", minted_by: "@mod:example.org" },
  GONE: { uses_remaining: 0, label: "spent" },
  OLD: { uses_remaining: 3, label: "expired", expires_at: 1000 },
});

test("a reference code book parses, keeping unknown fields", () => {
  const parsed = parseCodeBook({
    ABC: { uses_remaining: 2, label: "x", inviter: "@a:b", note: "kept" },
  });
  assert.equal(parsed.ABC?.uses_remaining, 2);
  assert.equal((parsed.ABC as Record<string, unknown>).note, "kept");
});

test("a malformed code book is refused with the place of the fault", () => {
  assert.throws(() => parseCodeBook({ ABC: { uses_remaining: "two" } }), /ABC\.uses_remaining/);
  assert.throws(
    () => parseCodeBook({ ABC: { uses_remaining: -1, label: "" } }),
    /ABC\.uses_remaining/,
  );
  assert.throws(() => parseCodeBook([1, 2]), /top level/);
});

test("a knock reason finds its code as the whole reason or as one word, in any case", () => {
  assert.equal(findCodeInReason(book, "WELCOME1"), "WELCOME1");
  assert.equal(findCodeInReason(book, "  welcome1 "), "WELCOME1");
  assert.equal(findCodeInReason(book, "hi! my code is many, thanks"), "MANY");
  assert.equal(findCodeInReason(book, "no code here"), undefined);
  assert.equal(findCodeInReason(book, ""), undefined);
});

test("a redeem spends exactly one use and a second redeem of a one-use code fails", () => {
  const first = redeemCode(book, "WELCOME1", "$knock1", 2000);
  assert.ok(first.ok);
  assert.equal(first.book.WELCOME1?.uses_remaining, 0);
  const second = redeemCode(first.book, "WELCOME1", "$knock2", 2000);
  assert.deepEqual(second, { ok: false, refusal: "used_up" });
});

test("redeeming again for the same knock charges nothing (a retry after a crash)", () => {
  const first = redeemCode(book, "MANY", "$knock1", 2000);
  assert.ok(first.ok);
  const again = redeemCode(first.book, "MANY", "$knock1", 2000);
  assert.ok(again.ok);
  assert.equal(again.alreadyCharged, true);
  assert.equal(again.book.MANY?.uses_remaining, 4);
});

test("unknown, used-up and expired codes are refused with their reason", () => {
  assert.deepEqual(redeemCode(book, "NOPE", "$k", 2000), { ok: false, refusal: "unknown_code" });
  assert.deepEqual(redeemCode(book, "GONE", "$k", 2000), { ok: false, refusal: "used_up" });
  assert.deepEqual(redeemCode(book, "OLD", "$k", 2000), { ok: false, refusal: "expired" });
  assert.ok(redeemCode(book, "OLD", "$k", 999).ok);
});

test("a refund gives back the use charged for that key only", () => {
  const charged = redeemCode(book, "WELCOME1", "$k", 2000);
  assert.ok(charged.ok);
  assert.equal(refundCode(charged.book, "WELCOME1", "$other").WELCOME1?.uses_remaining, 0);
  assert.equal(refundCode(charged.book, "WELCOME1", "$k").WELCOME1?.uses_remaining, 1);
});

test("seeding adds only codes that are absent", () => {
  const { book: seeded, added } = seedCodeBook(book, {
    MANY: { uses_remaining: 100, label: "would reset" },
    NEW: { uses_remaining: 2, label: "new" },
  });
  assert.deepEqual(added, ["NEW"]);
  assert.equal(seeded.MANY?.uses_remaining, 5);
  assert.equal(seeded.NEW?.uses_remaining, 2);
});

test("minted codes use an alphabet without look-alike characters", () => {
  const code = formatCode(Uint8Array.from({ length: 10 }, (_, i) => i * 25));
  assert.match(code, /^[A-HJ-NP-Z2-9]{10}$/);
});
