import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCodeEnd } from "../../ui/format/code-expiry.js";

const NOW = Date.parse("2026-12-07T09:00:00Z");

test("a new code's end: a lifetime from now, a date, or empty for never; a past date or nonsense is refused", () => {
  assert.deepEqual(parseCodeEnd("", NOW), { ok: true, atMs: undefined });
  assert.deepEqual(parseCodeEnd("12h", NOW), { ok: true, atMs: NOW + 12 * 3_600_000 });
  assert.deepEqual(parseCodeEnd(" 7d ", NOW), { ok: true, atMs: NOW + 7 * 86_400_000 });
  assert.deepEqual(parseCodeEnd("2026-12-31T00:00:00Z", NOW), {
    ok: true,
    atMs: Date.parse("2026-12-31T00:00:00Z"),
  });
  assert.equal(parseCodeEnd("2026-12-01", NOW).ok, false);
  assert.equal(parseCodeEnd("2026-13-45", NOW).ok, false);
  assert.equal(parseCodeEnd("soon", NOW).ok, false);
});
