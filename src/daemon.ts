/** `anteroom --daemon`: the engine runtime, the HTTP sidecar, and clean stops on signals. */
import type { DaemonConfig } from "./config.js";
import { buildHttpServer } from "./http/server.js";
import { createMetrics, registerMetricsRoutes } from "./http/metrics.js";
import { openRuntime } from "./runtime.js";
import { createDaemonLogger } from "./daemon-logger.js";
import { signupRoutes } from "./http/signup-routes.js";
import { joinRoutes } from "./http/join-routes.js";
import { formHookRoutes } from "./http/form-hook-routes.js";
import { signupOptions } from "./signup/wire.js";
import { startAdminApiFor } from "./http/admin-server.js";

export async function runDaemon(
  config: DaemonConfig,
  options: { readonly standby?: boolean } = {},
): Promise<void> {
  // stdout, and the recent lines the admin API serves (the attached console's Daemon log view).
  const { log, recent } = createDaemonLogger(config);
  const runtime = await openRuntime(config, log, options);
  // unix socket; TCP only with a token
  const admin = await startAdminApiFor(config, runtime, log, { recentLog: recent });
  const http = buildHttpServer({
    logger: log,
    sync: runtime.health,
    trustProxy: config.trustedProxies,
  });
  await http.register(signupRoutes, signupOptions(config, runtime, log));
  await http.register(joinRoutes, {
    engine: runtime.engine,
    perIpPerMinute: config.lobbyRates.perIpPerMinute,
    perCodePerMinute: config.lobbyRates.perCodePerMinute,
  });
  await http.register(formHookRoutes, { engine: runtime.engine, ...config.formHook });
  const metrics = createMetrics(runtime.engine);
  runtime.matrix.onError = metrics.homeserverError;
  runtime.onUndecryptable = metrics.undecryptable;
  registerMetricsRoutes(http, metrics);
  await http.listen({ port: config.http.port, host: config.http.host });
  await runtime.start();
  log.info(
    { user: runtime.matrix.userId, space: config.engine.spaceId, dataDir: config.paths.dataDir },
    "anteroom daemon started",
  );

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    await admin.close();
    await http.close();
    await runtime.stop();
    log.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}
