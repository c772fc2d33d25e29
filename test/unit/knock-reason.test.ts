/** Knock reasons are anyone's text: kept to 1 KiB, cut on a character boundary. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_KNOCK_REASON_BYTES, clipKnockReason } from "../../core/vetting/knocks.js";

const bytes = (text: string) => Buffer.byteLength(text, "utf8");

test("a reason up to 1 KiB is kept whole; a longer one is cut to at most 1 KiB", () => {
  assert.equal(MAX_KNOCK_REASON_BYTES, 1024);
  const exact = "a".repeat(1024);
  assert.equal(clipKnockReason(exact), exact);
  assert.equal(clipKnockReason(`${exact}b`), exact);
  assert.equal(clipKnockReason("code FRIENDS please"), "code FRIENDS please");
});

test("a cut never splits a character, whatever its width in UTF-8", () => {
  for (const char of ["é", "€", "🌸"]) {
    const clipped = clipKnockReason(`x${char.repeat(2000)}`);
    assert.ok(bytes(clipped) <= 1024 && bytes(clipped) > 1024 - 4, char);
    assert.equal(clipped, `x${char.repeat((clipped.length - 1) / char.length)}`, char);
    assert.doesNotMatch(clipped, /[\ud800-\udbff]$/, "no half of a surrogate pair at the end");
  }
});
