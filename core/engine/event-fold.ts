/**
 * The engine's change stream folded into a picture of its state: a snapshot
 * first, then every event newer than it (snapshot-then-changes, see core/api.ts).
 * The attach client's mirror and the console both keep their picture with it.
 * Pure: a fold returns a new view and leaves the one it was given alone.
 */
import type { CodeBookName, EngineSnapshot } from "../api.js";
import type { CodeBook } from "../codes/code-book.js";
import type { LobbyRecord } from "../lobby/record.js";
import type { VettingRecord } from "../vetting/record.js";
import type { PendingInvite } from "../admission/invites.js";
import type { EngineEvent } from "./events.js";
import type { JoinWaveStatus } from "../moderation/join-wave.js";

/** What a front end knows of the engine, keyed for quick updates. */
export interface EngineView {
  /** The number of the last event folded in. */
  readonly seq: number;
  readonly records: ReadonlyMap<string, VettingRecord>;
  readonly lobbies: ReadonlyMap<string, LobbyRecord>;
  readonly codes: Readonly<Record<CodeBookName, CodeBook>>;
  /** Absent from an engine that predates pending invites. */
  readonly invites?: readonly PendingInvite[];
  /** Absent from an engine that predates join-wave protection. */
  readonly joinWave?: JoinWaveStatus;
}

export type AuditEvent = Extract<EngineEvent, { type: "audit" }>;
/** An event before the stream numbered it. */
export type UnsequencedEvent = Unsequenced<EngineEvent>;
type Unsequenced<E> = E extends unknown ? Omit<E, "seq"> : never;

export function viewOfSnapshot(snapshot: EngineSnapshot): EngineView {
  return {
    seq: snapshot.seq,
    records: new Map(snapshot.records.map((record) => [record.key, record])),
    // A daemon from before lobbies sends none.
    lobbies: new Map((snapshot.lobbies ?? []).map((lobby) => [lobby.key, lobby])),
    codes: { invite: snapshot.codes, signup: snapshot.signupCodes },
    ...(snapshot.invites ? { invites: snapshot.invites } : {}),
    ...(snapshot.joinWave ? { joinWave: snapshot.joinWave } : {}),
  };
}

export function snapshotOfView(view: EngineView): EngineSnapshot {
  return {
    seq: view.seq,
    records: [...view.records.values()],
    lobbies: [...view.lobbies.values()],
    codes: view.codes.invite,
    signupCodes: view.codes.signup,
    ...(view.joinWave ? { joinWave: view.joinWave } : {}),
    ...(view.invites ? { invites: view.invites } : {}),
  };
}

/**
 * Folds the events newer than `view.seq` into it. Returns `view` itself when none
 * is newer, and the batch's audit entries (they are a log, not part of the view).
 * A batch copies each map at most once, so a burst of events costs one copy.
 */
export function foldEvents(
  view: EngineView,
  events: readonly EngineEvent[],
): { view: EngineView; audit: AuditEvent["entry"][] } {
  const fresh = events.filter((event) => event.seq > view.seq);
  const last = fresh.at(-1);
  if (!last) return { view, audit: [] };
  let records: Map<string, VettingRecord> | undefined;
  let lobbies: Map<string, LobbyRecord> | undefined;
  let { codes, invites, joinWave } = view;
  const audit: AuditEvent["entry"][] = [];
  for (const event of fresh) {
    switch (event.type) {
      case "record":
        records ??= new Map(view.records);
        records.set(event.record.key, event.record);
        break;
      case "lobby":
        lobbies ??= new Map(view.lobbies);
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
      case "joinWave":
        joinWave = event.wave;
        break;
      case "removed":
        if (event.kind === "vetting") {
          records ??= new Map(view.records);
          records.delete(event.key);
        } else {
          lobbies ??= new Map(view.lobbies);
          lobbies.delete(event.key);
        }
        break;
    }
  }
  return {
    view: {
      seq: last.seq,
      records: records ?? view.records,
      lobbies: lobbies ?? view.lobbies,
      codes,
      ...(invites ? { invites } : {}),
      ...(joinWave ? { joinWave } : {}),
    },
    audit,
  };
}

/**
 * The events that turn `before` into `after`'s records, lobbies, code books and
 * invites: a record or lobby new or changed, one forgotten, a book that changed,
 * the invites when `after` has them and they changed. Join-wave transitions are
 * not recoverable from two pictures (the audit log has them), so none is made.
 */
export function changesBetween(before: EngineView, after: EngineView): UnsequencedEvent[] {
  const changes: UnsequencedEvent[] = [];
  for (const record of changedIn(before.records, after.records)) {
    changes.push({ type: "record", record });
  }
  for (const key of goneFrom(before.records, after.records)) {
    changes.push({ type: "removed", kind: "vetting", key });
  }
  for (const lobby of changedIn(before.lobbies, after.lobbies)) {
    changes.push({ type: "lobby", lobby });
  }
  for (const key of goneFrom(before.lobbies, after.lobbies)) {
    changes.push({ type: "removed", kind: "lobby", key });
  }
  for (const book of ["invite", "signup"] as const) {
    if (!sameValue(before.codes[book], after.codes[book])) {
      changes.push({ type: "codes", book, codes: after.codes[book] });
    }
  }
  if (after.invites && !sameValue(before.invites, after.invites)) {
    changes.push({ type: "invites", invites: after.invites });
  }
  return changes;
}

function changedIn<R>(before: ReadonlyMap<string, R>, after: ReadonlyMap<string, R>): R[] {
  return [...after].filter(([key, item]) => !sameValue(before.get(key), item)).map(([, r]) => r);
}

function goneFrom(before: ReadonlyMap<string, unknown>, after: ReadonlyMap<string, unknown>) {
  return [...before.keys()].filter((key) => !after.has(key));
}

/** Records are plain JSON from the engine or the wire: equal when they serialise alike. */
function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
