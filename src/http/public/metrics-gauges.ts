/**
 * The gauges on-call alerts read (deploy/prometheus-alerts.yml): what waits
 * for a moderator, what is open and for how long, effects retrying or given
 * up, how old the last sync is, whether a join wave holds passes back, and
 * the build. Each is computed from the engine's snapshot when scraped, so it
 * cannot drift from what the console shows.
 */
import { Gauge, type Registry } from "prom-client";
import type { EngineApi } from "../../../core/api.js";
import {
  troubles,
  TROUBLE_KINDS,
  type UndecryptableMessages,
} from "../../../core/moderation/triage.js";
import type { SyncHealth } from "../../matrix/space-watch.js";
import { packageVersion } from "../../package-info.js";

const OPEN_PHASES: ReadonlySet<string> = new Set(["opening", "open", "awaiting_moderator"]);

export function registerOnCallGauges(
  registry: Registry,
  engine: EngineApi,
  sync: SyncHealth,
  now: () => number = Date.now,
  /** The operator-room messages the bot could not decrypt (Triage's `unreadable`). */
  undecryptable?: () => UndecryptableMessages,
): void {
  const registers = [registry];
  const gauge = (name: string, help: string, collect: (g: Gauge) => void, labelNames?: string[]) =>
    new Gauge({
      name,
      help,
      labelNames: labelNames ?? [],
      registers,
      collect() {
        this.reset();
        collect(this);
      },
    });

  gauge(
    "anteroom_knocks_held",
    "Knocks held for a moderator (no code, or near a blocklist entry)",
    (g) => g.set(engine.snapshot().records.filter((r) => r.phase === "held").length),
  );
  gauge(
    "anteroom_open_rooms",
    "Vetting rooms and lobbies not yet closed, by kind (vetting, lobby)",
    (g) => {
      const { records, lobbies } = engine.snapshot();
      g.set({ kind: "vetting" }, records.filter((r) => OPEN_PHASES.has(r.phase)).length);
      g.set({ kind: "lobby" }, lobbies.filter((l) => OPEN_PHASES.has(l.phase)).length);
    },
    ["kind"],
  );
  gauge(
    "anteroom_oldest_open_room_age_seconds",
    "Age of the oldest vetting room or lobby not yet closed, by kind (0 when none)",
    (g) => {
      const { records, lobbies } = engine.snapshot();
      const oldest = (starts: number[]) =>
        starts.length ? (now() - Math.min(...starts)) / 1000 : 0;
      const vetting = records.filter((r) => OPEN_PHASES.has(r.phase)).map((r) => r.knockedAt);
      const lobby = lobbies.filter((l) => OPEN_PHASES.has(l.phase)).map((l) => l.requestedAt);
      g.set({ kind: "vetting" }, oldest(vetting));
      g.set({ kind: "lobby" }, oldest(lobby));
    },
    ["kind"],
  );
  gauge(
    "anteroom_triage_items",
    "What the console's Triage view lists, by kind (failed, retrying, unreadable, stuck, held, awaiting, silent, empty lobby, unanswered)",
    (g) => {
      const { records, lobbies, invites } = engine.snapshot();
      const counts = new Map<string, number>(TROUBLE_KINDS.map((kind) => [kind, 0]));
      const listed = troubles(records, lobbies, invites ?? [], now(), undecryptable?.());
      for (const trouble of listed) {
        counts.set(trouble.kind, (counts.get(trouble.kind) ?? 0) + 1);
      }
      for (const [kind, count] of counts) g.set({ kind }, count);
    },
    ["kind"],
  );
  gauge("anteroom_effects_retrying", "Homeserver effects the engine is retrying", (g) => {
    const { records, lobbies } = engine.snapshot();
    let retrying = 0;
    for (const record of [...records, ...lobbies]) {
      if (record.closedAt !== undefined) continue;
      retrying += record.outbox.filter((pending) => pending.attempts).length;
    }
    g.set(retrying);
  });
  gauge(
    "anteroom_effects_given_up",
    "Records whose effect the engine gave up on and that wait for a moderator (Triage: failed)",
    (g) => {
      const { records, lobbies, invites } = engine.snapshot();
      const failed = troubles(records, lobbies, invites ?? [], now()).filter(
        (trouble) => trouble.kind === "failed",
      );
      g.set(failed.length);
    },
  );
  gauge(
    "anteroom_last_sync_age_seconds",
    "Seconds since the last sync with the homeserver finished (-1 before the first)",
    (g) => g.set(sync.lastSyncAt ? (now() - sync.lastSyncAt) / 1000 : -1),
  );
  gauge("anteroom_join_wave_active", "1 while a join wave holds passes back for a moderator", (g) =>
    g.set(engine.snapshot().joinWave?.paused ? 1 : 0),
  );
  const build = new Gauge({
    name: "anteroom_build_info",
    help: "The running build: anteroom's version and Node's, always 1",
    labelNames: ["version", "node"],
    registers,
  });
  build.set({ version: packageVersion(), node: process.version }, 1);
}
