/**
 * A small synchronous store for the console state. Synchronous on purpose:
 * keys typed faster than a frame ("jjj" in one chunk over SSH) each see the
 * state the previous one left, not a stale render.
 */
import type { ConsoleState } from "./console-state.js";

export interface ConsoleStore {
  getState(): ConsoleState;
  update(change: (state: ConsoleState) => ConsoleState): void;
  subscribe(listener: () => void): () => void;
}

export function createConsoleStore(initial: ConsoleState): ConsoleStore {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    update(change) {
      const next = change(state);
      if (next === state) return;
      state = next;
      for (const listener of listeners) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
