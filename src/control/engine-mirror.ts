/**
 * The attach client's picture of the daemon's engine, kept with core's event
 * fold, and the stream of events it hands on to its own subscribers.
 *
 * Sequence numbers are the mirror's own. The daemon numbers its events from 0
 * at every start, so the mirror renumbers them: `snapshot().seq` and the `seq`
 * of every event delivered to `subscribe()` listeners keep increasing across
 * reconnects, and the usual contract holds (subscribe, take `snapshot()`, drop
 * events with `seq <= snapshot.seq`).
 *
 * After a reconnect, `resync` replaces the picture with the daemon's new
 * snapshot and emits what changed meanwhile as ordinary events, then the audit
 * entries written while away; live events that came in the meantime follow.
 */
import type { EngineSnapshot } from "../../core/api.js";
import type { EngineEvent } from "../../core/engine/events.js";
import {
  changesBetween,
  foldEvents,
  snapshotOfView,
  viewOfSnapshot,
  type EngineView,
  type UnsequencedEvent,
} from "../../core/engine/event-fold.js";
import type { AuditRow } from "./admin-commands.js";

/**
 * Events wait to be folded until a snapshot is asked for, or this many are
 * waiting: a fold copies the record map, so one per event would cost a copy each.
 */
const FOLD_BATCH = 256;

const NOTHING_YET: EngineSnapshot = {
  seq: -1,
  records: [],
  lobbies: [],
  codes: {},
  signupCodes: {},
};

export class EngineMirror {
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  /** In the daemon's numbering: `view.seq` is the last daemon event folded in. */
  private view: EngineView = viewOfSnapshot(NOTHING_YET);
  private unfolded: EngineEvent[] = [];
  private pictured: EngineSnapshot | undefined;
  /** The mirror's own numbering, for its subscribers. */
  private seq = 0;
  /** Live events that arrive while a resync reads the audit log wait here. */
  private held: EngineEvent[] | undefined;
  /** The newest audit timestamp seen, and the entries at exactly that time (to drop repeats). */
  private lastAuditTs = 0;
  private auditAtLast = new Set<string>();

  snapshot(): EngineSnapshot {
    this.fold();
    this.pictured ??= snapshotOfView(this.view);
    return { ...this.pictured, seq: this.seq };
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Only what happens from now on streams in as audit events; the log itself is read apart. */
  followAuditFromNow(): void {
    this.lastAuditTs = Date.now() / 1000;
  }

  /** The first snapshot: the picture, without events. */
  start(snapshot: EngineSnapshot): void {
    this.replace(viewOfSnapshot(snapshot));
    this.followAuditFromNow();
  }

  /** An event from the daemon's stream: into the mirror, then to the listeners. */
  take(event: EngineEvent): void {
    if (this.held) this.held.push(event);
    else this.apply(event);
  }

  /**
   * A new stream's snapshot after a drop (or the first, in the background): the
   * changes as events, then the audit entries written meanwhile (`missedAudit`),
   * then the live events held meanwhile. False when the stream was lost again
   * before the audit log answered (`isCurrent`), and the next snapshot resyncs.
   */
  async resync(
    snapshot: EngineSnapshot,
    missedAudit: (sinceTs: number) => Promise<readonly AuditRow[]>,
    isCurrent: () => boolean,
  ): Promise<boolean> {
    this.held = [];
    this.fold();
    const fresh = viewOfSnapshot(snapshot);
    const changes = changesBetween(this.view, fresh);
    this.replace(fresh);
    for (const change of changes) this.emit(change);
    // What the audit log gained while we were away; live entries that repeat one of these are dropped.
    const fetched = new Set<string>();
    try {
      for (const entry of await missedAudit(this.lastAuditTs)) {
        const key = JSON.stringify(entry);
        if (entry.ts === this.lastAuditTs && this.auditAtLast.has(key)) continue;
        fetched.add(key);
        this.emitAudit(entry);
      }
    } catch {
      // The log is still on disk and `audit()` can read it; the stream matters more.
    }
    if (!isCurrent()) return false;
    const held = this.held;
    this.held = undefined;
    for (const event of held) {
      if (event.type === "audit" && fetched.has(JSON.stringify(event.entry))) this.takeIn(event);
      else this.apply(event);
    }
    return true;
  }

  private apply(event: EngineEvent): void {
    if (!this.takeIn(event)) return; // the snapshot has it already
    if (event.type === "audit") {
      this.emitAudit(event.entry);
      return;
    }
    const { seq: _daemonSeq, ...change } = event;
    this.emit(change as UnsequencedEvent);
  }

  /** Queues a newer event for the fold; false when the picture has it already. */
  private takeIn(event: EngineEvent): boolean {
    const newest = this.unfolded.at(-1)?.seq ?? this.view.seq;
    if (event.seq <= newest) return false;
    this.unfolded.push(event);
    if (this.unfolded.length >= FOLD_BATCH) this.fold();
    return true;
  }

  private fold(): void {
    if (this.unfolded.length === 0) return;
    const { view } = foldEvents(this.view, this.unfolded);
    this.unfolded = [];
    if (view !== this.view) this.replace(view);
  }

  private replace(view: EngineView): void {
    this.view = view;
    this.unfolded = [];
    this.pictured = undefined;
  }

  private emitAudit(entry: AuditRow): void {
    const key = JSON.stringify(entry);
    if (entry.ts > this.lastAuditTs) {
      this.lastAuditTs = entry.ts;
      this.auditAtLast = new Set();
    }
    if (entry.ts === this.lastAuditTs) this.auditAtLast.add(key);
    this.emit({ type: "audit", entry });
  }

  private emit(event: UnsequencedEvent): void {
    const sequenced = { ...event, seq: ++this.seq } as EngineEvent;
    for (const listener of this.listeners) {
      try {
        listener(sequenced);
      } catch {
        // A listener's bug must not stop the mirror.
      }
    }
  }
}
