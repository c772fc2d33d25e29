/** The daemon's public HTTP sidecar, with its health routes; src/entry/daemon.ts registers the other routes on it. */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyServerFactory } from "fastify";
import type { Logger } from "pino";
import type { SyncHealth } from "../../matrix/space-watch.js";
import { healthReport, type WriteHealth } from "../shared/health.js";
import { zodOnlySchemas } from "../shared/zod-only-schemas.js";

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
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 16 * 1024,
    schemaController: zodOnlySchemas,
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
