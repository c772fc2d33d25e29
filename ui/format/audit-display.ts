/** An audit entry as one line of the log view: every field through the sanitizer. */
import { sanitize } from "../sanitize.js";
import type { AuditLine } from "../state/console-state.js";

export interface AuditDisplay {
  readonly type: string;
  readonly user: string;
  readonly details: string;
  readonly search: string;
}

const cache = new WeakMap<AuditLine, AuditDisplay>();

export function displayAudit(line: AuditLine): AuditDisplay {
  const hit = cache.get(line);
  if (hit) return hit;
  const type = sanitize(line.type, { max: 60 });
  const { user, ...rest } = line.fields;
  const shownUser = sanitize(user ?? "", { max: 255 });
  const details = Object.entries(rest)
    .filter(([, value]) => value !== undefined && value !== null && value !== "")
    .map(([key, value]) => `${sanitize(key, { max: 40 })}=${sanitize(value, { max: 300 })}`)
    .join(" ");
  const display = {
    type,
    user: shownUser,
    details,
    search: `${type} ${shownUser} ${details}`.toLowerCase(),
  };
  cache.set(line, display);
  return display;
}
