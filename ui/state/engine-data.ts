/**
 * Folds the engine's change stream into the console state: a snapshot first,
 * then every event newer than it (snapshot-then-changes, see core/api.ts).
 * Pure; the buffers stay bounded however long the console runs.
 */
import type { EngineSnapshot } from "../../core/api.js";
import type { EngineEvent } from "../../core/engine/events.js";
import type { LobbyRecord } from "../../core/lobby/record.js";
import type { VettingRecord } from "../../core/vetting/record.js";
import {
  MAX_AUDIT_LINES,
  MAX_RECORDS,
  type AuditLine,
  type ConsoleState,
} from "./console-state.js";

type RawAudit = { readonly ts: number; readonly type: string; readonly [field: string]: unknown };

export function applySnapshot(state: ConsoleState, snapshot: EngineSnapshot): ConsoleState {
  const records = new Map<string, VettingRecord>();
  for (const record of snapshot.records) records.set(record.key, record);
  // A daemon from before lobbies sends none.
  const lobbies = new Map((snapshot.lobbies ?? []).map((lobby) => [lobby.key, lobby]));
  return {
    ...state,
    seq: snapshot.seq,
    records: boundRecords(records),
    lobbies: boundRecords(lobbies),
    codes: { invite: snapshot.codes, signup: snapshot.signupCodes },
    invites: snapshot.invites ?? [],
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
  const fresh = events.filter((event) => event.seq > state.seq);
  if (fresh.length === 0) return state;
  let records: Map<string, VettingRecord> | undefined;
  let lobbies: Map<string, LobbyRecord> | undefined;
  let codes = state.codes;
  let invites = state.invites;
  const audit: RawAudit[] = [];
  for (const event of fresh) {
    switch (event.type) {
      case "record":
        records ??= new Map(state.records);
        records.set(event.record.key, event.record);
        break;
      case "lobby":
        lobbies ??= new Map(state.lobbies);
        lobbies.set(event.lobby.key, event.lobby);
        break;
      case "codes":
        codes = { ...codes, [event.book]: event.codes };
        break;
      case "audit":
        audit.push(event.entry);
        break;
      case "invites":
        invites = event.invites;
        break;
      case "removed":
        if (event.kind === "vetting") {
          records ??= new Map(state.records);
          records.delete(event.key);
        } else {
          lobbies ??= new Map(state.lobbies);
          lobbies.delete(event.key);
        }
        break;
    }
  }
  const last = fresh[fresh.length - 1];
  return appendAudit(
    {
      ...state,
      seq: last ? last.seq : state.seq,
      records: records ? boundRecords(records) : state.records,
      lobbies: lobbies ? boundRecords(lobbies) : state.lobbies,
      codes,
      invites,
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
  records: Map<string, R>,
): Map<string, R> {
  if (records.size <= MAX_RECORDS) return records;
  const closed = [...records.values()]
    .filter((record) => record.closedAt !== undefined)
    .sort((a, b) => (a.closedAt ?? 0) - (b.closedAt ?? 0));
  for (const record of closed.slice(0, records.size - MAX_RECORDS)) records.delete(record.key);
  return records;
}
