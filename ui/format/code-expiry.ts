/** When a new code stops working, as typed at `n`: empty (never), a lifetime (7d, 12h) or a date (2026-12-31). */
import { parseLifetime } from "./token-display.js";

export function parseCodeEnd(
  text: string,
  nowMs: number,
): { ok: true; atMs: number | undefined } | { ok: false; error: string } {
  const value = text.trim();
  if (/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    const atMs = Date.parse(value);
    if (Number.isNaN(atMs)) return { ok: false, error: `${value} is not a date` };
    if (atMs <= nowMs) return { ok: false, error: `${value} is in the past` };
    return { ok: true, atMs };
  }
  const lifetime = parseLifetime(value);
  if (!lifetime.ok) {
    return {
      ok: false,
      error: "not a lifetime (30m, 12h, 7d, 2w) or a date (2026-12-31)",
    };
  }
  return { ok: true, atMs: lifetime.ms === undefined ? undefined : nowMs + lifetime.ms };
}
