/**
 * Asks for the engine's health now and every few seconds while the console
 * runs: one small request on the admin socket, or a read of the runtime's
 * report in-process. A failed ask is shown, not thrown.
 */
import type { ConsoleStore } from "./console-store.js";
import { readHealth, type HealthSource } from "./health.js";

export const HEALTH_EVERY_MS = 5_000;

export function connectHealthFeed(
  source: HealthSource,
  store: ConsoleStore,
  /** The console's clock, so "checked 2 s ago" agrees with the views. */
  now: () => number,
  everyMs = HEALTH_EVERY_MS,
): () => void {
  let closed = false;
  let asking = false;
  const ask = async () => {
    if (asking) return; // a slow answer is not asked for twice
    asking = true;
    try {
      const { ok, body } = await source();
      if (!closed) {
        const health = readHealth(ok, body, now());
        store.update((state) => ({ ...state, health, healthError: undefined }));
      }
    } catch (error) {
      if (!closed) {
        const healthError = error instanceof Error ? error.message : String(error);
        store.update((state) => ({ ...state, healthError }));
      }
    } finally {
      asking = false;
    }
  };
  void ask();
  const timer = setInterval(() => void ask(), everyMs);
  return () => {
    closed = true;
    clearInterval(timer);
  };
}

/** The attach client's `health()`, when the engine is a daemon over the admin socket. */
export function remoteHealthSource(api: object): HealthSource | undefined {
  const remote = api as { health?: unknown };
  if (typeof remote.health !== "function") return undefined;
  const health = remote.health.bind(api) as () => Promise<{ ok: boolean; health: unknown }>;
  return async () => {
    const { ok, health: body } = await health();
    return { ok, body };
  };
}
