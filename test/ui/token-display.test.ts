// How the Codes view reads a token lifetime typed by a moderator, and says when a token is spent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseLifetime, tokenSpent, tokenState } from "../../ui/format/token-display.js";

const NOW = 1_700_000_000_000;

test("a lifetime is minutes, hours, days or weeks; empty or never means no expiry", () => {
  assert.deepEqual(parseLifetime("30m"), { ok: true, ms: 30 * 60_000 });
  assert.deepEqual(parseLifetime(" 12H "), { ok: true, ms: 12 * 3_600_000 });
  assert.deepEqual(parseLifetime("2w"), { ok: true, ms: 14 * 86_400_000 });
  assert.deepEqual(parseLifetime(""), { ok: true, ms: undefined });
  assert.deepEqual(parseLifetime("never"), { ok: true, ms: undefined });
});

test("a lifetime of nothing, over a year, or in words is refused with the accepted forms", () => {
  for (const text of ["0m", "367d", "7 days", "-1d", "1.5h", "2026-12-31"]) {
    const parsed = parseLifetime(text);
    assert.equal(parsed.ok, false, text);
    assert.match(parsed.ok ? "" : parsed.error, /30m, 12h, 7d or 2w/);
  }
});

test("a token is used up when completed and pending registrations reach its uses", () => {
  const token = { token: "t", usesAllowed: 2, pending: 1, completed: 1, expiresAt: null };
  assert.equal(tokenSpent(token, NOW), "used up");
  assert.equal(tokenSpent({ ...token, pending: 0 }, NOW), undefined);
  assert.equal(tokenSpent({ ...token, usesAllowed: null }, NOW), undefined);
  assert.equal(tokenSpent({ ...token, pending: 0, expiresAt: NOW }, NOW), "expired");
  assert.equal(
    tokenState({ ...token, pending: 0, expiresAt: NOW - 7_200_000 }, NOW),
    "expired 2 h ago",
  );
});
