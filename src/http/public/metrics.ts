/**
 * Prometheus metrics, derived from the engine's change stream (so every front
 * end's actions count) plus the homeserver calls and HTTP requests; the
 * gauges on-call alerts read are in metrics-gauges.ts.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { FastifyInstance } from "fastify";
import type { EngineApi } from "../../../core/api.js";
import type { VettingRecord } from "../../../core/vetting/record.js";
import type { SyncHealth } from "../../matrix/space-watch.js";
import type { WriteFaults } from "../../store/write-faults.js";
import { registerOnCallGauges } from "./metrics-gauges.js";
import type { UndecryptableMessages } from "../../../core/moderation/triage.js";

export interface Metrics {
  readonly registry: Registry;
  homeserverError(errcode: string | undefined, transient: boolean): void;
  /** A message in the operator room that the bot could not decrypt. */
  undecryptable(): void;
}

export function createMetrics(
  engine: EngineApi,
  sync: SyncHealth,
  writes?: Pick<WriteFaults, "current" | "failures">,
  undecryptableMessages?: () => UndecryptableMessages,
): Metrics {
  const registry = new Registry();
  // Event-loop delay sampled once a second: every sample wakes the daemon, and at 10 a second that
  // was a quarter of its CPU when idle. A stall of a second or more always shows; a shorter one
  // shows when it covers a sample (a 200 ms stall one time in five).
  // The standard names (process_*, nodejs_*), so stock dashboards and alerts read them.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
  registerOnCallGauges(registry, engine, sync, Date.now, undecryptableMessages);
  const auditEvents = new Counter({
    name: "anteroom_audit_records_total",
    help: "Audit records written, by type (knock_received, code_redeemed, knock_rejected, vetting_passed, …)",
    labelNames: ["type", "reason"],
    registers: [registry],
  });
  const roomLatency = new Histogram({
    name: "anteroom_knock_to_vetting_room_seconds",
    help: "From the knock to its vetting room existing",
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [registry],
  });
  const vettingDuration = new Histogram({
    name: "anteroom_vetting_duration_seconds",
    help: "From the knock to the vetting's outcome, by outcome",
    labelNames: ["outcome"],
    buckets: [10, 30, 60, 300, 900, 1800, 3600, 7200, 86400],
    registers: [registry],
  });
  const lobbies = new Counter({
    name: "anteroom_lobby_outcomes_total",
    help: "Lobby events: opened, passed, failed (a person out of tries), timed_out, closed (by a moderator), create_failed",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const homeserverErrors = new Counter({
    name: "anteroom_homeserver_errors_total",
    help: "Failed homeserver calls, by errcode and whether they are retried",
    labelNames: ["errcode", "transient"],
    registers: [registry],
  });

  if (writes) {
    new Gauge({
      name: "anteroom_store_write_failing",
      help: "Files in the data dir whose writes fail now (disk full, I/O error, read-only); retried with back-off",
      registers: [registry],
      collect() {
        this.set(writes.current.length);
      },
    });
    new Counter({
      name: "anteroom_store_write_failures_total",
      help: "Failed writes to the data dir since the start, each retried",
      registers: [registry],
      collect() {
        this.reset();
        this.inc(writes.failures);
      },
    });
  }
  const undecryptable = new Counter({
    name: "anteroom_undecryptable_events_total",
    help: "Messages in the operator room that stayed encrypted (no room key came); commands among them were not acted on",
    registers: [registry],
  });

  // Records seen open or closed already: a record event repeats for every change.
  const opened = new Set<string>();
  const closed = new Set<string>();
  const observeRecord = (record: VettingRecord): void => {
    if (record.roomId && !opened.has(record.key)) {
      opened.add(record.key);
      if (record.phase === "open") roomLatency.observe((Date.now() - record.knockedAt) / 1000);
    }
    if (record.closedAt !== undefined && !closed.has(record.key)) {
      closed.add(record.key);
      opened.delete(record.key);
      vettingDuration.observe(
        { outcome: record.phase },
        (record.closedAt - record.knockedAt) / 1000,
      );
    }
  };
  for (const record of engine.snapshot().records) {
    if (record.roomId) opened.add(record.key);
    if (record.closedAt !== undefined) closed.add(record.key);
  }
  engine.subscribe((event) => {
    if (event.type === "record") observeRecord(event.record);
    if (event.type === "audit") {
      const reason =
        typeof event.entry.reason === "string" && event.entry.type === "knock_rejected"
          ? event.entry.reason
          : "";
      auditEvents.inc({ type: event.entry.type, reason });
      const lobbyOutcome = LOBBY_OUTCOMES[event.entry.type];
      if (lobbyOutcome) lobbies.inc({ outcome: lobbyOutcome });
    }
  });
  return {
    registry,
    homeserverError: (errcode, transient) =>
      homeserverErrors.inc({ errcode: errcode ?? "none", transient: String(transient) }),
    undecryptable: () => undecryptable.inc(),
  };
}

/** The audit entries that count as a lobby outcome, and the label each gets. */
const LOBBY_OUTCOMES: Readonly<Record<string, string>> = {
  lobby_created: "opened",
  lobby_promoted: "passed",
  lobby_failed: "failed",
  lobby_timeout: "timed_out",
  lobby_closed: "closed",
  lobby_create_failed: "create_failed",
};

/** `GET /metrics`, and a count and latency of every HTTP request by route and status. */
export function registerMetricsRoutes(app: FastifyInstance, metrics: Metrics): void {
  const requests = new Histogram({
    name: "anteroom_http_request_seconds",
    help: "HTTP requests by route, method and status",
    labelNames: ["route", "method", "status"],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [metrics.registry],
  });
  app.addHook("onResponse", async (request, reply) => {
    requests.observe(
      {
        route: request.routeOptions.url ?? "unmatched",
        method: request.method,
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
  app.get("/metrics", async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
