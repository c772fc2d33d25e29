/** The Health view's lines, from the health report and the records the console holds. */
import type { ConsoleState } from "../state/console-state.js";
import { relative } from "./time.js";

/** A sync older than this is stale (the daemon's own /healthz uses the same bound). */
const STALE_SYNC_MS = 90_000;

export interface HealthLine {
  readonly label: string;
  readonly value: string;
  readonly tone: "good" | "bad" | "plain";
}

const REACHABLE = new Set(["SYNCING", "PREPARED", "CATCHUP"]);
const UNREACHABLE = new Set(["RECONNECTING", "ERROR"]);

export function healthLines(state: ConsoleState, now: number): HealthLine[] {
  const { health, healthError } = state;
  const lines: HealthLine[] = [];
  if (state.offline !== undefined) {
    lines.push({ label: "daemon", value: `not answering: ${state.offline}`, tone: "bad" });
  }
  if (healthError !== undefined) {
    lines.push({ label: "health check", value: `failed: ${healthError}`, tone: "bad" });
  }
  if (health) {
    lines.push({
      label: "status",
      value: health.ok ? "ready" : `not ready (${health.status})`,
      tone: health.ok ? "good" : "bad",
    });
    if (health.reason) lines.push({ label: "why", value: health.reason, tone: "bad" });
    lines.push({
      label: "homeserver",
      value: REACHABLE.has(health.sync)
        ? `reachable (sync ${health.sync})`
        : UNREACHABLE.has(health.sync)
          ? `unreachable (sync ${health.sync}; retrying with back-off)`
          : `not syncing (sync ${health.sync})`,
      tone: REACHABLE.has(health.sync) ? "good" : "bad",
    });
    const age = health.lastSyncMsAgo;
    lines.push({
      label: "last sync",
      value:
        age === null
          ? "none yet"
          : `${relative(health.checkedAt - age, now)}${age > STALE_SYNC_MS ? " (stale)" : ""}`,
      tone: age !== null && age <= STALE_SYNC_MS ? "good" : "bad",
    });
  }
  if (health?.encryption) lines.push(encryptionLine(health.encryption));
  lines.push(...recordLines(state));
  if (health?.publicUrl)
    lines.push({ label: "public pages", value: health.publicUrl, tone: "plain" });
  if (health?.pid !== undefined) {
    lines.push({ label: "daemon pid", value: String(health.pid), tone: "plain" });
  }
  if (health) {
    lines.push({ label: "checked", value: relative(health.checkedAt, now), tone: "plain" });
  } else if (healthError === undefined) {
    lines.push({ label: "health", value: "not reported by this engine", tone: "plain" });
  }
  return lines;
}

function encryptionLine(encryption: { on: boolean; undecryptable: number }): HealthLine {
  if (!encryption.on) return { label: "encryption", value: "off", tone: "plain" };
  if (encryption.undecryptable === 0) return { label: "encryption", value: "on", tone: "good" };
  return {
    label: "encryption",
    value: `on; ${encryption.undecryptable} message(s) in the operator room could not be decrypted (see the daemon log)`,
    tone: "bad",
  };
}

/** Knocks by phase and the effects still to run, from the records themselves. */
function recordLines(state: ConsoleState): HealthLine[] {
  const byPhase = new Map<string, number>();
  let effects = 0;
  let retrying = 0;
  for (const record of state.records.values()) {
    byPhase.set(record.phase, (byPhase.get(record.phase) ?? 0) + 1);
    effects += record.outbox.length;
    retrying += record.outbox.filter((pending) => (pending.attempts ?? 0) > 0).length;
  }
  const phases = [...byPhase.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([phase, n]) => `${n} ${phase}`)
    .join(" · ");
  return [
    { label: "knocks", value: phases || "none", tone: "plain" },
    {
      label: "in flight",
      value: `${effects} effects${retrying ? `, ${retrying} being retried` : ""}`,
      tone: retrying > 0 ? "bad" : "plain",
    },
  ];
}
