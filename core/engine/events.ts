/** The engine's change stream: every record change and audit entry, as they happen. */
import type { AuditEntry } from "../effects.js";
import type { VettingRecord } from "../vetting.js";

export type EngineEvent =
  { type: "record"; record: VettingRecord } | { type: "audit"; entry: AuditEntry & { ts: number } };

export class EngineEvents {
  private readonly listeners = new Set<(event: EngineEvent) => void>();

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
