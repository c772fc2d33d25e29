/**
 * Connects the console state to the engine: subscribe first, then take the
 * snapshot (events older than it are dropped), then read the recent audit
 * log. Events are applied in batches, one per turn of the event loop, so a
 * burst of knocks costs one frame, not one per event.
 */
import type { EngineApi } from "../../core/api.js";
import type { EngineEvent } from "../../core/engine/events.js";
import type { RemoteEngine } from "../../src/control/attach-client.js";
import type { ConsoleStore } from "./console-store.js";
import { applyAuditHistory, applyEvents, applyResync, applySnapshot } from "./engine-data.js";

/** How many audit entries the log starts with. */
export const AUDIT_HISTORY = 500;

export function connectEngineFeed(api: EngineApi, store: ConsoleStore): () => void {
  let pending: EngineEvent[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  let closed = false;
  const flush = () => {
    scheduled = undefined;
    const batch = pending;
    pending = [];
    store.update((state) => applyEvents(state, batch));
  };
  const unsubscribe = api.subscribe((event) => {
    pending.push(event);
    scheduled ??= setImmediate(flush);
  });
  const snapshot = api.snapshot();
  store.update((state) => applySnapshot(state, snapshot));
  const unwatch = watchConnection(api, store, () => {
    if (scheduled) clearImmediate(scheduled);
    flush();
  });
  api.audit({ limit: AUDIT_HISTORY }).then(
    (entries) => {
      if (!closed) store.update((state) => applyAuditHistory(state, entries.slice(-AUDIT_HISTORY)));
    },
    (error: unknown) => {
      if (closed) return;
      const message = error instanceof Error ? error.message : String(error);
      store.update((state) => ({
        ...state,
        notice: { tone: "error", text: `could not read the audit log: ${message}` },
      }));
    },
  );
  return () => {
    closed = true;
    unsubscribe();
    unwatch();
    if (scheduled) clearImmediate(scheduled);
  };
}

/** What the header says until the daemon's first snapshot arrives. */
export const CONNECTING = "connecting…";

/** Attached to a daemon: show when the stream is down, and take its fresh picture when back. */
function watchConnection(api: EngineApi, store: ConsoleStore, flush: () => void): () => void {
  const remote = api as Partial<Pick<RemoteEngine, "onResync" | "onConnection">>;
  if (typeof remote.onResync !== "function" || typeof remote.onConnection !== "function") {
    return () => {};
  }
  const stopResync = remote.onResync((snapshot) => {
    flush(); // the changes it streamed first, then the picture
    store.update((state) => applyResync(state, snapshot));
  });
  const connecting = (remote as Partial<Pick<RemoteEngine, "connected">>).connected === false;
  if (connecting) store.update((state) => ({ ...state, offline: CONNECTING }));
  const stopConnection = remote.onConnection((connected, detail) => {
    store.update((state) => ({
      ...state,
      offline: connected ? undefined : (detail ?? "the daemon does not answer"),
    }));
  });
  return () => {
    stopResync();
    stopConnection();
  };
}
