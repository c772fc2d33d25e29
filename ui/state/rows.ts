/**
 * The rows of each view, derived from the state: filtered, in display order,
 * each with a stable id for selection. Memoized on their inputs, so the
 * dispatcher and the views share one computation per change.
 */
import type { CodeBookName } from "../../core/api.js";
import type { CodeEntry } from "../../core/codes/code-book.js";
import type { LobbyRecord } from "../../core/lobby/record.js";
import type { VettingRecord } from "../../core/vetting/record.js";
import type { ConsoleHealth } from "./health.js";
import { displayAudit } from "../format/audit-display.js";
import { displayLobby } from "../format/lobby-display.js";
import { displayRecord } from "../format/record-display.js";
import { sanitize } from "../sanitize.js";
import type { AuditLine, ConsoleState, ViewId } from "./console-state.js";
import type { DaemonLogLine } from "./daemon-log.js";
import { displayLogLine } from "../format/log-line-display.js";
import { triageItems, type TriageItem } from "./triage.js";
import type { BlockEntry } from "../../core/moderation/blocklist.js";
import type { Role } from "../../core/moderation/power-levels.js";
import type { MemberLevels } from "../../core/moderation-api.js";
import type { RegistrationToken } from "../../core/ports.js";
import {
  displayBlock,
  displayMember,
  type BlockDisplay,
  type MemberDisplay,
} from "../format/moderation-display.js";

export interface RecordRow {
  readonly id: string;
  readonly record: VettingRecord;
  readonly lobby?: undefined;
}
export interface LobbyRow {
  readonly id: string;
  readonly lobby: LobbyRecord;
  readonly record?: undefined;
}
/** A row of the Vetting view: a vetting room or a lobby. */
export type RoomRow = RecordRow | LobbyRow;
export type TriageRow = TriageItem;
export interface CodeRow {
  readonly id: string;
  readonly book: CodeBookName;
  readonly code: string;
  readonly entry: CodeEntry;
  readonly search: string;
}
/** A homeserver registration token, listed in the Codes view after the two books. */
export interface TokenRow {
  readonly id: string;
  readonly token: RegistrationToken;
  readonly search: string;
  readonly book?: undefined;
}
/** A row of the Codes view. */
export type CodesRow = CodeRow | TokenRow;
export interface LogRow {
  readonly id: string;
  readonly line: AuditLine;
}
export interface DaemonLogRow {
  readonly id: string;
  readonly line: DaemonLogLine;
}
export interface BlockRow {
  readonly id: string;
  readonly entry: BlockEntry;
  readonly shown: BlockDisplay;
}
export interface MemberRow {
  readonly id: string;
  readonly member: MemberLevels;
  readonly shown: MemberDisplay;
}
export type Row =
  | RecordRow
  | LobbyRow
  | CodeRow
  | TokenRow
  | LogRow
  | DaemonLogRow
  | TriageRow
  | BlockRow
  | MemberRow;

function memo<A extends readonly unknown[], R>(compute: (...args: A) => R): (...args: A) => R {
  let lastArgs: A | undefined;
  let lastResult: R | undefined;
  return (...args: A) => {
    if (lastArgs && args.length === lastArgs.length && args.every((a, i) => a === lastArgs?.[i])) {
      return lastResult as R;
    }
    lastArgs = args;
    lastResult = compute(...args);
    return lastResult;
  };
}

const matches = (search: string, filter: string) =>
  filter === "" || search.includes(filter.toLowerCase());

/** Every knock but the superseded ones, newest first; while paused, the rows as they were. */
const knockRows = memo(
  (
    records: ConsoleState["records"],
    filter: string,
    frozen: readonly string[] | undefined,
  ): RecordRow[] => {
    let list: VettingRecord[];
    if (frozen) {
      list = frozen.flatMap((key) => records.get(key) ?? []);
    } else {
      list = [...records.values()]
        .filter((record) => record.phase !== "superseded")
        .sort((a, b) => b.knockedAt - a.knockedAt || (a.key < b.key ? 1 : -1));
    }
    return list
      .filter((record) => matches(displayRecord(record).search, filter))
      .map((record) => ({ id: record.key, record }));
  },
);

const isOpen = (phase: string) => phase === "open" || phase === "opening";
const closesAt = (at: number | undefined) => at ?? Number.MAX_SAFE_INTEGER;

/** Vetting rooms and lobbies being made or open, the one closing soonest first. */
const vettingRows = memo(
  (
    records: ConsoleState["records"],
    lobbies: ConsoleState["lobbies"],
    filter: string,
  ): RoomRow[] => {
    const rows: (RoomRow & { closes: number; since: number })[] = [];
    for (const record of records.values()) {
      if (!isOpen(record.phase) || !matches(displayRecord(record).search, filter)) continue;
      rows.push({
        id: record.key,
        record,
        closes: closesAt(record.expiresAt),
        since: record.knockedAt,
      });
    }
    for (const lobby of lobbies.values()) {
      if (!isOpen(lobby.phase) || !matches(displayLobby(lobby).search, filter)) continue;
      rows.push({
        id: lobby.key,
        lobby,
        closes: closesAt(lobby.expiresAt),
        since: lobby.requestedAt,
      });
    }
    return rows
      .sort((a, b) => a.closes - b.closes || a.since - b.since)
      .map(({ closes: _closes, since: _since, ...row }) => row as RoomRow);
  },
);

const codeRows = memo((codes: ConsoleState["codes"], filter: string): CodeRow[] => {
  const rows: CodeRow[] = [];
  for (const book of ["invite", "signup"] as const) {
    for (const [code, entry] of Object.entries(codes[book])) {
      const search =
        `${book} ${sanitize(code)} ${sanitize(entry.label)} ${sanitize(entry.minted_by ?? "")}`.toLowerCase();
      rows.push({ id: `${book}:${code}`, book, code, entry, search });
    }
  }
  return rows
    .filter((row) => matches(row.search, filter))
    .sort((a, b) => a.book.localeCompare(b.book) || a.code.localeCompare(b.code));
});

/** The code books, then the homeserver's registration tokens. */
const codesRows = memo(
  (
    codes: ConsoleState["codes"],
    tokens: readonly RegistrationToken[] | undefined,
    filter: string,
  ): CodesRow[] => {
    const tokenRows: TokenRow[] = (tokens ?? [])
      .map((token) => ({
        id: `token:${token.token}`,
        token,
        search: `token homeserver ${sanitize(token.token)}`.toLowerCase(),
      }))
      .filter((row) => matches(row.search, filter))
      .sort((a, b) => a.token.token.localeCompare(b.token.token));
    return [...codeRows(codes, filter), ...tokenRows];
  },
);

/** Newest first. */
const logRows = memo((audit: readonly AuditLine[], filter: string): LogRow[] => {
  const rows: LogRow[] = [];
  for (let i = audit.length - 1; i >= 0; i--) {
    const line = audit[i];
    if (line && matches(displayAudit(line).search, filter))
      rows.push({ id: String(line.id), line });
  }
  return rows;
});

/** What is stuck, most urgent first (see core/moderation/triage.ts). */
const triageRows = memo(
  (
    records: ConsoleState["records"],
    lobbies: ConsoleState["lobbies"],
    invites: ConsoleState["invites"],
    encryption: ConsoleHealth["encryption"],
    filter: string,
    clock: number,
  ): TriageRow[] =>
    triageItems(
      records.values(),
      lobbies.values(),
      invites,
      clock,
      encryption && {
        count: encryption.undecryptable,
        ...(encryption.last ? { last: encryption.last } : {}),
      },
    ).filter((item) =>
      matches(`${item.kind} ${item.detail} ${subjectSearch(item.subject)}`.toLowerCase(), filter),
    ),
);

function subjectSearch(subject: TriageItem["subject"]): string {
  if (subject.record) return displayRecord(subject.record).search;
  if (subject.lobby) return displayLobby(subject.lobby).search;
  if (subject.invite) return sanitize(subject.invite.user);
  return sanitize(subject.undecryptable.last?.sender ?? "");
}

/** Newest first. */
const daemonRows = memo((lines: readonly DaemonLogLine[], filter: string): DaemonLogRow[] => {
  const rows: DaemonLogRow[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    if (line && matches(displayLogLine(line).search, filter))
      rows.push({ id: String(line.id), line });
  }
  return rows;
});

const blockRows = memo((entries: readonly BlockEntry[] | undefined, filter: string): BlockRow[] =>
  (entries ?? [])
    .map((entry) => ({ id: `${entry.kind}:${entry.pattern}`, entry, shown: displayBlock(entry) }))
    .filter((row) => matches(row.shown.search, filter)),
);

const memberRows = memo(
  (
    members: readonly MemberLevels[] | undefined,
    roles: readonly Role[],
    filter: string,
  ): MemberRow[] =>
    (members ?? [])
      .map((member) => ({ id: member.user, member, shown: displayMember(member, roles) }))
      .filter((row) => matches(row.shown.search, filter)),
);

export function rowsOf(state: ConsoleState, view: "knocks"): RecordRow[];
export function rowsOf(state: ConsoleState, view: "blocklist"): BlockRow[];
export function rowsOf(state: ConsoleState, view: "members"): MemberRow[];
export function rowsOf(state: ConsoleState, view: "vetting"): RoomRow[];
export function rowsOf(state: ConsoleState, view: "triage"): TriageRow[];
export function rowsOf(state: ConsoleState, view: "codes"): CodesRow[];
export function rowsOf(state: ConsoleState, view: "log"): LogRow[];
export function rowsOf(state: ConsoleState, view: "daemon"): DaemonLogRow[];
export function rowsOf(state: ConsoleState, view: ViewId): Row[];
export function rowsOf(state: ConsoleState, view: ViewId): Row[] {
  switch (view) {
    case "knocks":
      return knockRows(state.records, state.filters.knocks, state.frozen);
    case "vetting":
      return vettingRows(state.records, state.lobbies, state.filters.vetting);
    case "triage":
      return triageRows(
        state.records,
        state.lobbies,
        state.invites,
        state.health?.encryption,
        state.filters.triage,
        state.clock,
      );
    case "codes":
      return codesRows(state.codes, state.tokens.tokens, state.filters.codes);
    case "log":
      return logRows(state.audit, state.filters.log);
    case "daemon":
      return daemonRows(state.daemonLog.lines, state.filters.daemon);
    case "blocklist":
      return blockRows(state.moderation.blocklist, state.filters.blocklist);
    case "members":
      return memberRows(state.moderation.members, state.moderation.roles, state.filters.members);
    case "health":
      return [];
  }
}

/** The index of the selected row: by identity, else where it was, else the first. */
export function selectedIndex(state: ConsoleState, view: ViewId): number {
  const rows = rowsOf(state, view);
  if (rows.length === 0) return -1;
  if (view === "knocks" && state.follow) return 0;
  const { id, index } = state.selection[view];
  const found = id === undefined ? -1 : rows.findIndex((row) => row.id === id);
  if (found >= 0) return found;
  return Math.min(Math.max(index, 0), rows.length - 1);
}

export function selectedRow(state: ConsoleState, view: ViewId): Row | undefined {
  return rowsOf(state, view)[selectedIndex(state, view)];
}

/** Knocks that arrived while the list was paused. */
export function unseenKnocks(state: ConsoleState): number {
  if (!state.frozen) return 0;
  const shown = new Set(state.frozen);
  let count = 0;
  for (const record of state.records.values()) {
    if (record.phase !== "superseded" && !shown.has(record.key)) count++;
  }
  return count;
}

/** The row the moderator is on in a view of knocks, rooms or trouble. */
function currentSubject(state: ConsoleState): RoomRow | TriageItem["subject"] | undefined {
  const { view } = state;
  if (view !== "knocks" && view !== "vetting" && view !== "triage") return undefined;
  const index = selectedIndex(state, view);
  if (view === "triage") return rowsOf(state, "triage")[index]?.subject;
  return view === "knocks" ? rowsOf(state, "knocks")[index] : rowsOf(state, "vetting")[index];
}

/** The knock or vetting room the moderator is on: the detail pane's, or the selected row's. */
export function currentRecord(state: ConsoleState): VettingRecord | undefined {
  if (state.detail !== undefined) return state.records.get(state.detail);
  return currentSubject(state)?.record;
}

/** The lobby the moderator is on: the detail pane's, or the selected row's. */
export function currentLobby(state: ConsoleState): LobbyRecord | undefined {
  if (state.detail !== undefined) return state.lobbies.get(state.detail);
  return currentSubject(state)?.lobby;
}

/** The stuck thing selected in the Triage view. */
export function currentTrouble(state: ConsoleState): TriageItem | undefined {
  if (state.detail !== undefined || state.view !== "triage") return undefined;
  return rowsOf(state, "triage")[selectedIndex(state, "triage")];
}

function currentCodesRow(state: ConsoleState): CodesRow | undefined {
  if (state.detail !== undefined || state.view !== "codes") return undefined;
  return rowsOf(state, "codes")[selectedIndex(state, "codes")];
}

/** The selected code of either book (not a homeserver token). */
export function currentCode(state: ConsoleState): CodeRow | undefined {
  const row = currentCodesRow(state);
  return row?.book === undefined ? undefined : row;
}

/** The selected homeserver registration token. */
export function currentToken(state: ConsoleState): TokenRow | undefined {
  const row = currentCodesRow(state);
  return row?.book === undefined ? row : undefined;
}

/** The marked codes still in the (filtered) list: a bulk action acts on what the moderator sees. */
export function markedCodes(state: ConsoleState): CodeRow[] {
  const marked = state.marks.codes;
  if (marked.length === 0) return [];
  return rowsOf(state, "codes").filter(
    (row): row is CodeRow => row.book !== undefined && marked.includes(row.id),
  );
}

export function currentBlock(state: ConsoleState): BlockRow | undefined {
  if (state.detail !== undefined || state.view !== "blocklist") return undefined;
  return rowsOf(state, "blocklist")[selectedIndex(state, "blocklist")];
}

/** The member selected in the Members view, or the one whose detail is open. */
export function currentMember(state: ConsoleState): MemberRow | undefined {
  if (state.view !== "members") return undefined;
  const open = state.detail;
  if (open !== undefined) return rowsOf(state, "members").find((row) => row.id === open);
  return rowsOf(state, "members")[selectedIndex(state, "members")];
}
