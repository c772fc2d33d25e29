/**
 * The engine's change stream in the console state: core's event fold
 * (core/engine/event-fold.ts), with the audit entries numbered as log lines.
 * Pure; the buffers stay bounded however long the console runs.
 */
import type { EngineSnapshot } from "../../core/api.js";
import type { EngineEvent } from "../../core/engine/events.js";
import { foldEvents, viewOfSnapshot } from "../../core/engine/event-fold.js";
import {
  MAX_AUDIT_LINES,
  MAX_RECORDS,
  type AuditLine,
  type ConsoleState,
} from "./console-state.js";

type RawAudit = { readonly ts: number; readonly type: string; readonly [field: string]: unknown };

export function applySnapshot(state: ConsoleState, snapshot: EngineSnapshot): ConsoleState {
  const view = viewOfSnapshot(snapshot);
  return {
    ...state,
    seq: view.seq,
    records: boundRecords(view.records),
    lobbies: boundRecords(view.lobbies),
    codes: view.codes,
    invites: view.invites ?? [],
  };
}

/**
 * A fresh picture after the attach client reconnected: records the daemon
 * forgot meanwhile go too. The changes were already streamed as events, so
 * the event number stays where the stream left it.
 */
export function applyResync(state: ConsoleState, snapshot: EngineSnapshot): ConsoleState {
  return { ...applySnapshot(state, snapshot), seq: Math.max(state.seq, snapshot.seq) };
}

export function applyEvents(state: ConsoleState, events: readonly EngineEvent[]): ConsoleState {
  const { view, audit } = foldEvents(state, events);
  if (view === state) return state;
  return appendAudit(
    {
      ...state,
      seq: view.seq,
      records: view.records === state.records ? state.records : boundRecords(view.records),
      lobbies: view.lobbies === state.lobbies ? state.lobbies : boundRecords(view.lobbies),
      codes: view.codes,
      invites: view.invites ?? [],
    },
    audit,
  );
}

/**
 * The audit entries read at start. Entries the stream already delivered are
 * not shown twice: the read may have seen an entry that was also streamed.
 */
export function applyAuditHistory(state: ConsoleState, entries: readonly RawAudit[]): ConsoleState {
  const streamed = new Set(state.audit.map((line) => fingerprint(line.ts, line.type, line.fields)));
  const older = entries.filter(
    (entry) => !streamed.has(fingerprint(entry.ts, entry.type, fieldsOf(entry))),
  );
  // Numbered below the streamed lines, so ids (and the log's selection) stay as they are.
  const firstId =
    (state.audit[0]?.id ?? state.nextAuditId) - Math.min(older.length, MAX_AUDIT_LINES);
  const history = toLines(older, firstId);
  return { ...state, audit: [...history, ...state.audit].slice(-MAX_AUDIT_LINES) };
}

function appendAudit(state: ConsoleState, entries: readonly RawAudit[]): ConsoleState {
  if (entries.length === 0) return state;
  const lines = toLines(entries, state.nextAuditId);
  return {
    ...state,
    audit: [...state.audit, ...lines].slice(-MAX_AUDIT_LINES),
    nextAuditId: state.nextAuditId + lines.length,
  };
}

function toLines(entries: readonly RawAudit[], firstId: number): AuditLine[] {
  return entries.slice(-MAX_AUDIT_LINES).map((entry, i) => ({
    id: firstId + i,
    ts: typeof entry.ts === "number" ? entry.ts : 0,
    type: typeof entry.type === "string" ? entry.type : "?",
    fields: fieldsOf(entry),
  }));
}

function fieldsOf(entry: RawAudit): Record<string, unknown> {
  const { ts: _ts, type: _type, ...fields } = entry;
  return fields;
}

function fingerprint(ts: number, type: string, fields: unknown): string {
  return `${ts}|${type}|${JSON.stringify(fields)}`;
}

/** Forgets the oldest closed records (or lobbies) beyond MAX_RECORDS; open ones always stay. */
function boundRecords<R extends { readonly key: string; readonly closedAt?: number }>(
  records: ReadonlyMap<string, R>,
): ReadonlyMap<string, R> {
  if (records.size <= MAX_RECORDS) return records;
  const bounded = new Map(records);
  const closed = [...records.values()]
    .filter((record) => record.closedAt !== undefined)
    .sort((a, b) => (a.closedAt ?? 0) - (b.closedAt ?? 0));
  for (const record of closed.slice(0, records.size - MAX_RECORDS)) bounded.delete(record.key);
  return bounded;
}
