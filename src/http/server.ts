/** The daemon's HTTP sidecar. For now: health. */
import Fastify, { type FastifyBaseLogger } from "fastify";
import type { Logger } from "pino";
import type { SyncHealth } from "../matrix/space-watch.js";

/** A sync older than this means the homeserver is unreachable or the loop is stuck. */
const STALE_SYNC_MS = 90_000;
/** The whole request (headers and body) must arrive within this; answers may take longer. */
export const REQUEST_TIMEOUT_MS = 30_000;

export function buildHttpServer(opts: {
  logger: Logger;
  sync: SyncHealth;
  /** Proxies whose X-Forwarded-For is believed (TRUSTED_PROXIES); none by default. */
  trustProxy?: readonly string[];
}) {
  const app = Fastify({
    trustProxy: opts.trustProxy?.length ? [...opts.trustProxy] : false,
    // pino's Logger is what Fastify logs with; its type is only a little wider than Fastify's.
    loggerInstance: opts.logger as FastifyBaseLogger,
    disableRequestLogging: true,
    bodyLimit: 16 * 1024,
    // Fastify turns Node's request timeout off; without one a client that drips a body holds its socket for ever.
    requestTimeout: REQUEST_TIMEOUT_MS,
  });
  app.get("/healthz", async (_request, reply) => {
    const { ok, body } = healthReport(opts.sync);
    return reply.code(ok ? 200 : 503).send(body);
  });
  // The reference approver's health route, for probes written against it: plain "ok" when ready.
  app.get("/health", async (_request, reply) => {
    const { ok } = healthReport(opts.sync);
    return reply
      .code(ok ? 200 : 503)
      .type("text/plain; charset=utf-8")
      .send(ok ? "ok" : "starting");
  });
  return app;
}

/** What `/healthz` (and the admin API's health) reports: ready when the homeserver answers and sync is fresh. */
export function healthReport(sync: SyncHealth) {
  const age = Date.now() - sync.lastSyncAt;
  const syncing = sync.state === "SYNCING" || sync.state === "PREPARED";
  const ok = sync.ready && syncing && age < STALE_SYNC_MS;
  const body = {
    status: ok ? "ok" : "starting",
    sync: sync.state,
    last_sync_ms_ago: sync.lastSyncAt ? age : null,
  };
  return { ok, body };
}
