/** The daemon's HTTP sidecar. For now: health. */
import Fastify, { type FastifyBaseLogger, type FastifyServerFactory } from "fastify";
import type { Logger } from "pino";
import type { SyncHealth } from "../../matrix/space-watch.js";

/** A sync older than this means the homeserver is unreachable or the loop is stuck. */
const STALE_SYNC_MS = 90_000;
/** The whole request (headers and body) must arrive within this; answers may take longer. */
export const REQUEST_TIMEOUT_MS = 30_000;

export function buildHttpServer(opts: {
  logger: Logger;
  sync: SyncHealth;
  /** Failing writes to the data dir, if any: health says so. */
  writes?: WriteHealth;
  /** Proxies whose X-Forwarded-For is believed (TRUSTED_PROXIES); none by default. */
  trustProxy?: readonly string[];
  /**
   * A server already listening (the daemon's front door, open since the start) that takes
   * Fastify's handler; the app is then made ready, never `listen`ed itself.
   */
  adoptBy?: FastifyServerFactory;
}) {
  const app = Fastify({
    ...(opts.adoptBy ? { serverFactory: opts.adoptBy } : {}),
    trustProxy: opts.trustProxy?.length ? [...opts.trustProxy] : false,
    // pino's Logger is what Fastify logs with; its type is only a little wider than Fastify's.
    loggerInstance: opts.logger as FastifyBaseLogger,
    disableRequestLogging: true,
    bodyLimit: 16 * 1024,
    // Fastify turns Node's request timeout off; without one a client that drips a body holds its socket for ever.
    requestTimeout: REQUEST_TIMEOUT_MS,
  });
  app.get("/healthz", async (_request, reply) => {
    const { ok, body } = healthReport(opts.sync, opts.writes);
    return reply.code(ok ? 200 : 503).send(body);
  });
  // The reference approver's health route, for probes written against it: plain "ok" when ready.
  app.get("/health", async (_request, reply) => {
    const { ok } = healthReport(opts.sync, opts.writes);
    return reply
      .code(ok ? 200 : 503)
      .type("text/plain; charset=utf-8")
      .send(ok ? "ok" : "starting");
  });
  return app;
}

/** What health needs of the data dir's writes: why they fail, while they do. */
export interface WriteHealth {
  readonly reason: string | undefined;
}

/**
 * What `/healthz` (and the admin API's health) reports: ready when the homeserver answers,
 * sync is fresh and the data dir takes writes; otherwise 503 with a `reason`.
 */
export function healthReport(sync: SyncHealth, writes?: WriteHealth) {
  const age = Date.now() - sync.lastSyncAt;
  const syncing = sync.state === "SYNCING" || sync.state === "PREPARED";
  const synced = sync.ready && syncing && age < STALE_SYNC_MS;
  const writeFailure = writes?.reason;
  const ok = synced && writeFailure === undefined;
  const reason = writeFailure ?? (synced ? undefined : syncReason(sync, age));
  const body = {
    status: ok ? "ok" : writeFailure !== undefined ? "write_failing" : "starting",
    ...(reason === undefined ? {} : { reason }),
    sync: sync.state,
    last_sync_ms_ago: sync.lastSyncAt ? age : null,
  };
  return { ok, body };
}

function syncReason(sync: SyncHealth, age: number): string {
  if (sync.state === "ERROR" || sync.state === "RECONNECTING")
    return `homeserver unreachable: sync is ${sync.state}, retrying with back-off`;
  if (sync.lastSyncAt && age >= STALE_SYNC_MS)
    return `no sync for ${Math.round(age / 1000)} s: the homeserver or the sync loop is stuck`;
  return "waiting for the first sync with the homeserver";
}
