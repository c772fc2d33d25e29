/** The daemon's HTTP sidecar. For now: health. */
import Fastify, { type FastifyBaseLogger } from "fastify";
import type { Logger } from "pino";
import type { SyncHealth } from "../matrix/space-watch.js";

/** A sync older than this means the homeserver is unreachable or the loop is stuck. */
const STALE_SYNC_MS = 90_000;

export function buildHttpServer(opts: { logger: Logger; sync: SyncHealth }) {
  const app = Fastify({
    // pino's Logger is what Fastify logs with; its type is only a little wider than Fastify's.
    loggerInstance: opts.logger as FastifyBaseLogger,
    disableRequestLogging: true,
    bodyLimit: 16 * 1024,
  });
  app.get("/healthz", async (_request, reply) => {
    const age = Date.now() - opts.sync.lastSyncAt;
    const syncing = opts.sync.state === "SYNCING" || opts.sync.state === "PREPARED";
    const ok = opts.sync.ready && syncing && age < STALE_SYNC_MS;
    return reply.code(ok ? 200 : 503).send({
      status: ok ? "ok" : "starting",
      sync: opts.sync.state,
      last_sync_ms_ago: opts.sync.lastSyncAt ? age : null,
    });
  });
  return app;
}
