/**
 * `!stats`: what the audit log says about the last 24 hours. Counts
 * anteroom's record types and the reference approver's (a migrated log keeps
 * its old records).
 */
export interface AuditRecordLike {
  readonly ts: number;
  readonly type: string;
  readonly [field: string]: unknown;
}

export interface DayStats {
  readonly knocks: number;
  readonly vettingPassed: number;
  readonly vettingFailed: number;
  readonly vettingTimedOut: number;
  readonly lobbies: number;
  readonly signups: number;
  readonly codesMinted: number;
}

export const STATS_WINDOW_SEC = 86_400;

const COUNTED: Readonly<Record<string, Exclude<keyof DayStats, "codesMinted">>> = {
  knock_received: "knocks",
  vetting_passed: "vettingPassed",
  lobby_promoted: "vettingPassed",
  vetting_failed: "vettingFailed",
  lobby_failed: "vettingFailed",
  vetting_timeout: "vettingTimedOut",
  lobby_timeout: "vettingTimedOut",
  lobby_created: "lobbies",
  signup: "signups",
  signup_ok: "signups", // reference
};

/** The audit types `!stats` reads, to ask the log for only these. */
export const STATS_RECORD_TYPES = [...Object.keys(COUNTED), "code_minted", "admin_mint"];

export function dayStats(records: readonly AuditRecordLike[], nowMs: number): DayStats {
  const since = nowMs / 1000 - STATS_WINDOW_SEC;
  const counts = {
    knocks: 0,
    vettingPassed: 0,
    vettingFailed: 0,
    vettingTimedOut: 0,
    lobbies: 0,
    signups: 0,
    codesMinted: 0,
  };
  for (const record of records) {
    if (!(record.ts >= since)) continue;
    const field = Object.hasOwn(COUNTED, record.type) ? COUNTED[record.type] : undefined;
    if (field) counts[field]++;
    else if (record.type === "code_minted") counts.codesMinted++;
    // The reference wrote one admin_mint record for a batch of codes.
    else if (record.type === "admin_mint") counts.codesMinted += mintedInBatch(record);
  }
  return counts;
}

export function statsReply(stats: DayStats): string {
  return [
    "last 24 h:",
    `knocks: ${stats.knocks}`,
    `vetting: ${stats.vettingPassed} passed, ${stats.vettingFailed} failed, ${stats.vettingTimedOut} timed out`,
    `lobbies opened: ${stats.lobbies}`,
    `signups: ${stats.signups}`,
    `codes minted: ${stats.codesMinted}`,
  ].join("\n");
}

function mintedInBatch(record: AuditRecordLike): number {
  if (Array.isArray(record.codes)) return record.codes.length;
  return typeof record.n === "number" && Number.isSafeInteger(record.n) && record.n > 0
    ? record.n
    : 1;
}
