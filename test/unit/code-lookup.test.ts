import { test } from "node:test";
import assert from "node:assert/strict";
import { codeNamed, findCodeInReason } from "../../core/codes/lookup.js";

const entry = { uses_remaining: 1, label: "" };

test("a code is found as spelled, or ignoring case when that is unambiguous", () => {
  assert.equal(codeNamed({ ABC: entry }, "ABC"), "ABC");
  assert.equal(codeNamed({ ABC: entry }, "abc"), "ABC");
  assert.equal(codeNamed({ ABC: entry, abc: entry }, "abc"), "abc");
  assert.equal(codeNamed({ ABC: entry, abc: entry }, "ABC"), "ABC");
  assert.equal(codeNamed({ ABC: entry, abc: entry }, "Abc"), undefined);
  assert.equal(codeNamed({ ABC: entry }, "ABD"), undefined);
});

test("what a person typed is trimmed before the lookup; blank finds nothing", () => {
  assert.equal(codeNamed({ ABC: entry }, "  abc\n"), "ABC");
  assert.equal(codeNamed({ ABC: entry }, " \t "), undefined);
  assert.equal(codeNamed({ ABC: entry }, ""), undefined);
});

test("names of the object's own machinery are not codes", () => {
  for (const name of ["toString", "__proto__", "constructor", "hasOwnProperty"])
    assert.equal(codeNamed({ ABC: entry }, name), undefined, name);
});

test("a knock reason names a code as its whole text or as one word, with the same rules", () => {
  const book = { "ABC-123": entry, XYZ: entry, xyz: entry };
  assert.equal(findCodeInReason(book, " abc-123 "), "ABC-123");
  assert.equal(findCodeInReason(book, 'my code is "abc-123", thanks'), "ABC-123");
  assert.equal(findCodeInReason(book, "code: XYZ"), "XYZ");
  // Two codes differ only in case: a guess at "Xyz" would be a coin toss.
  assert.equal(findCodeInReason(book, "code: Xyz"), undefined);
  assert.equal(findCodeInReason(book, "no code here"), undefined);
  assert.equal(findCodeInReason(book, ""), undefined);
});
