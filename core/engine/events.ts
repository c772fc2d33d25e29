/** The engine's change stream: every record change, code book change and audit entry, as they happen. */
import type { CodeBook } from "../codes/code-book.js";
import type { AuditEntry } from "../effects.js";
import type { VettingRecord } from "../vetting/record.js";
import type { LobbyRecord } from "../lobby/record.js";
import type { JoinWaveStatus, JoinWaveTransition } from "../moderation/join-wave.js";
import type { PendingInvite } from "../admission/invites.js";

/** Every event carries `seq`, increasing by one, so a snapshot can be joined with the stream. */
export type EngineEvent = { seq: number } & (
  | { type: "record"; record: VettingRecord }
  | { type: "lobby"; lobby: LobbyRecord }
  | { type: "audit"; entry: AuditEntry & { ts: number } }
  | { type: "codes"; book: "invite" | "signup"; codes: CodeBook }
  /** A join wave started or ended (auto-approval paused or resumed). */
  | { type: "joinWave"; wave: JoinWaveStatus; transition: JoinWaveTransition }
  /** The invites anteroom waits on changed (one sent, reminded, answered or withdrawn): the whole list now. */
  | { type: "invites"; invites: readonly PendingInvite[] }
  /** A closed record was forgotten after the retention time: front ends drop it too. */
  | { type: "removed"; kind: RecordKindName; key: string }
);

/** The kinds of record the engine keeps (vetting rooms, lobbies). */
export type RecordKindName = "vetting" | "lobby";

type Unsequenced<E> = E extends unknown ? Omit<E, "seq"> : never;

export class EngineEvents {
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private last = 0;

  get seq(): number {
    return this.last;
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: Unsequenced<EngineEvent>): void {
    const sequenced = { ...event, seq: ++this.last } as EngineEvent;
    for (const listener of this.listeners) {
      try {
        listener(sequenced);
      } catch {
        // A front end's bug must not stop the engine.
      }
    }
  }
}
