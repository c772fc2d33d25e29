/** `anteroom --daemon`: the engine runtime, the HTTP sidecar, and clean stops on signals. */
import type { DaemonConfig } from "../config.js";
import { buildHttpServer } from "../http/public/server.js";
import { createMetrics, registerMetricsRoutes } from "../http/public/metrics.js";
import { loggedWriteFaults, openRuntime, type Runtime } from "../runtime.js";
import { createDaemonLogger } from "../daemon-logger.js";
import { signupRoutes } from "../http/public/signup-routes.js";
import { joinRoutes } from "../http/public/join-routes.js";
import { formHookRoutes } from "../http/public/form-hook-routes.js";
import { signupOptions } from "../signup/wire.js";
import { startAdminApiFor, type AdminApi } from "../http/admin/server.js";
import { openFrontDoor, type FrontDoor } from "../http/public/front-door.js";
import type { Logger } from "pino";
import type { WriteFaults } from "../store/write-faults.js";
import { HandledSubmissions } from "../store/form-submissions.js";
import { settingsSource, type SettingsFile } from "../settings-file.js";

/** A stop that takes longer (a hung disk or homeserver) ends the process anyway, within 2 s. */
const STOP_DEADLINE_MS = 1_500;

/** What a start has opened so far: a stop closes exactly these. */
interface Opened {
  runtime?: Runtime;
  admin?: AdminApi;
  sidecar?: { close(): Promise<unknown> };
  submissions?: HandledSubmissions;
}

export async function runDaemon(
  config: DaemonConfig,
  options: { readonly standby?: boolean; readonly settingsFile?: SettingsFile } = {},
): Promise<void> {
  // stdout, and the recent lines the admin API serves (the attached console's Daemon log view).
  const { log, recent } = createDaemonLogger(config);
  log.info(
    { envFile: options.settingsFile?.path ?? null, dataDir: config.paths.dataDir },
    settingsSource(options.settingsFile),
  );
  const door = openFrontDoor(options.standby ? "standing by" : "opening the data dir");
  const writeFaults = loggedWriteFaults(log);
  const opening = new AbortController();
  const opened: Opened = {};

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    setTimeout(() => {
      log.error(
        { deadlineMs: STOP_DEADLINE_MS },
        "could not stop in time; exiting now — anything not yet on disk is redone on the next start",
      );
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    opening.abort(new Error(`${signal} during the start`));
    // A write failing now (a full disk) gives up instead of holding the stop.
    writeFaults.stop();
    await starting.catch(() => undefined);
    let clean = true;
    try {
      await opened.admin?.close();
      await opened.sidecar?.close();
      await door.close();
      await opened.submissions?.close();
      await opened.runtime?.stop();
    } catch (error) {
      clean = false;
      log.error(
        { err: error },
        "could not stop cleanly; what was not saved is redone on the next start",
      );
    }
    log.info("stopped");
    process.exit(clean ? 0 : 1);
  };
  const starting = (async () => {
    await door.listen(config.http.port, config.http.host);
    const deps = { door, writeFaults, signal: opening.signal, opened, recent };
    await start(config, log, deps, options);
  })();
  // From the first moment: a signal before the homeserver answers still stops at once.
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  try {
    await starting;
  } catch (error) {
    // A stop abandoned the start; it ends the process itself.
    if (opening.signal.aborted) return;
    await door.close();
    throw error;
  }
}

async function start(
  config: DaemonConfig,
  log: Logger,
  deps: {
    door: FrontDoor;
    writeFaults: WriteFaults;
    signal: AbortSignal;
    opened: Opened;
    recent: ReturnType<typeof createDaemonLogger>["recent"];
  },
  options: { readonly standby?: boolean; readonly settingsFile?: SettingsFile },
): Promise<void> {
  const { door, writeFaults, signal, opened } = deps;
  const runtime = await openRuntime(config, log, {
    ...options,
    writeFaults,
    signal,
    onWaiting: (reason) => door.waiting(reason),
  });
  opened.runtime = runtime;
  signal.throwIfAborted();
  door.waiting("connecting the sidecar");
  // unix socket; TCP only with a token
  opened.admin = await startAdminApiFor(config, runtime, log, { recentLog: deps.recent });
  signal.throwIfAborted();
  const http = buildHttpServer({
    logger: log,
    sync: runtime.health,
    writes: writeFaults,
    trustProxy: config.trustedProxies,
    adoptBy: door.adopt,
  });
  opened.sidecar = http;
  await http.register(signupRoutes, signupOptions(config, runtime, log));
  await http.register(joinRoutes, {
    engine: runtime.engine,
    perIpPerMinute: config.lobbyRates.perIpPerMinute,
    perCodePerMinute: config.lobbyRates.perCodePerMinute,
    writeStall: { failing: () => writeFaults.reason },
    community: {
      ...config.community,
      knockUrl: spaceLink(config.engine.spaceId, runtime.matrix.userId),
    },
  });
  // Served only when configured: an unused form hook is no door at all (404).
  if (config.formHook) {
    opened.submissions = await HandledSubmissions.open(config.paths.formSubmissions);
    await http.register(formHookRoutes, {
      engine: runtime.engine,
      submissions: opened.submissions,
      ...config.formHook,
    });
  }
  const metrics = createMetrics(runtime.engine, runtime.health, writeFaults, () => {
    const { undecryptable, last } = runtime.encryption;
    return { count: undecryptable, ...(last ? { last } : {}) };
  });
  runtime.matrix.onError = metrics.homeserverError;
  runtime.onUndecryptable = metrics.undecryptable;
  registerMetricsRoutes(http, metrics);
  await http.ready();
  signal.throwIfAborted();
  door.open();
  await runtime.start();
  log.info(
    {
      user: runtime.matrix.userId,
      space: config.engine.spaceId,
      dataDir: config.paths.dataDir,
      envFile: options.settingsFile?.path ?? null,
    },
    "anteroom daemon started",
  );
}

/** A matrix.to link to the space, through the bot's server (room IDs of v12 name no server). */
function spaceLink(spaceId: string, botUserId: string): string {
  const server = botUserId.slice(botUserId.indexOf(":") + 1);
  return `https://matrix.to/#/${encodeURIComponent(spaceId)}?via=${encodeURIComponent(server)}`;
}
