/** The engine's Clock on the machine's time. */
import type { Clock } from "../core/ports.js";

export const systemClock: Clock = {
  now: Date.now,
  // unref: a wake-up the engine waits for must not keep a stopping daemon alive.
  wakeAfter: (ms, wake) => void setTimeout(wake, ms).unref(),
};
