/**
 * What the console shows of a knock or vetting room: every string from Matrix
 * (user id, display name, reason, topic, errors) already through the sanitizer.
 * Computed once per record object: records are replaced, never changed, when
 * the engine reports a change.
 */
import type { VettingPhase, VettingRecord } from "../../core/vetting/record.js";
import { sanitize } from "../sanitize.js";

export interface RecordDisplay {
  readonly user: string;
  readonly name: string;
  /** "Name (@user:server)", or the user id alone. */
  readonly who: string;
  readonly phase: string;
  readonly reason: string;
  /**
   * "valid CODE label", "code used up", "code expired", "no valid code", "none",
   * or, when the blocklist or a policy list caught the knock, "blocklist hit",
   * "near blocklist" (held as a guess) or "policy list hit".
   */
  readonly code: string;
  /** Why the blocklist or a policy list caught the knock ("" when neither did). */
  readonly screened: string;
  readonly topic: string;
  readonly keyword: string;
  readonly outcome: string;
  readonly errors: readonly string[];
  /** Lower-case text the filter matches against. */
  readonly search: string;
}

const PHASES: Readonly<Record<VettingPhase, string>> = {
  held: "held",
  opening: "opening",
  open: "open",
  awaiting_moderator: "awaiting mod",
  passed: "passed",
  failed: "failed",
  timed_out: "timed out",
  denied: "denied",
  withdrawn: "withdrawn",
  superseded: "superseded",
};

const REFUSALS: Readonly<Record<string, string>> = {
  unknown_code: "no valid code",
  used_up: "code used up",
  expired: "code expired",
};

const cache = new WeakMap<VettingRecord, RecordDisplay>();

export function displayRecord(record: VettingRecord): RecordDisplay {
  const hit = cache.get(record);
  if (hit) return hit;
  const user = sanitize(record.user, { max: 255 });
  const name = sanitize(record.displayName ?? "", { max: 100 }).trim();
  const who = name && name !== user ? `${name} (${user})` : user;
  // A knock closed by a ban is "withdrawn" to the engine; the moderator wants to see why.
  const phase =
    record.outcome === "banned" ? "banned" : (PHASES[record.phase] ?? sanitize(record.phase));
  const reason = sanitize(record.reason, { max: 500 });
  const code = codeOf(record);
  const topic = sanitize(record.challenge?.topic ?? "");
  const keyword = sanitize(record.challenge?.keyword ?? "");
  const outcome = sanitize(record.outcome ?? "");
  const screened = record.screened
    ? `${record.screened.source === "policy" ? "policy list" : "blocklist"}: ${sanitize(record.screened.explanation, { max: 300 })}`
    : "";
  const errors = (record.errors ?? []).map((error) => sanitize(error, { max: 300 }));
  const search = [who, phase, reason, code, topic, keyword, outcome, screened]
    .join(" ")
    .toLowerCase();
  const display: RecordDisplay = {
    user,
    name,
    who,
    phase,
    reason,
    code,
    screened,
    topic,
    keyword,
    outcome,
    errors,
    search,
  };
  cache.set(record, display);
  return display;
}

/** The knock's code as valid (charged), used up, expired, not a code, none given, or a screening hit. */
function codeOf(record: VettingRecord): string {
  if (record.screened) {
    if (record.screened.source === "policy") return "policy list hit";
    return record.screened.guess ? "near blocklist" : "blocklist hit";
  }
  if (record.code) {
    const label = sanitize(record.codeLabel ?? "", { max: 60 });
    return `valid ${sanitize(record.code)}${label ? ` ${label}` : ""}`;
  }
  const refusal = record.outcome ? REFUSALS[record.outcome] : undefined;
  if (refusal) return refusal;
  return record.reason.trim() ? "no valid code" : "none";
}
