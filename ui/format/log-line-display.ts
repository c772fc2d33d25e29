/** A line of the daemon's log as one row: every part through the sanitizer (messages can quote Matrix). */
import { sanitize } from "../sanitize.js";
import type { DaemonLogLine } from "../state/daemon-log.js";

export interface LogLineDisplay {
  readonly level: string;
  readonly msg: string;
  readonly details: string;
  readonly search: string;
}

const cache = new WeakMap<DaemonLogLine, LogLineDisplay>();

export function displayLogLine(line: DaemonLogLine): LogLineDisplay {
  const hit = cache.get(line);
  if (hit) return hit;
  const level = sanitize(line.level, { max: 10 });
  const msg = sanitize(line.msg, { max: 500 });
  const details = Object.entries(line.fields)
    .map(([key, value]) => `${sanitize(key, { max: 40 })}=${sanitize(value, { max: 300 })}`)
    .join(" ");
  const display = { level, msg, details, search: `${level} ${msg} ${details}`.toLowerCase() };
  cache.set(line, display);
  return display;
}
