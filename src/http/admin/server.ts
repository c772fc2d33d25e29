/**
 * Where the admin API listens. Always on a unix socket in the data dir
 * (`admin.sock`, mode 0600: the file's permissions are the guard, no token);
 * on TCP only when both ADMIN_HTTP_PORT and ADMIN_TOKEN are set, and then every
 * request needs `Authorization: Bearer <ADMIN_TOKEN>`. Each listener is its own
 * Fastify instance, apart from the public one, so no public route is ever
 * reachable through it and no admin route through the public port.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { chmod, lstat, unlink } from "node:fs/promises";
import { connect } from "node:net";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { DaemonConfig } from "../../config.js";
import type { Runtime } from "../../runtime.js";
import { healthReport } from "../shared/health.js";
import { zodOnlySchemas } from "../shared/zod-only-schemas.js";
import {
  installAdminErrorHandling,
  registerAdminRoutes,
  type AdminRoutesOptions,
} from "./routes.js";
import { StreamSlots } from "./stream-slots.js";
import { boundAdminCommands } from "./bounded-commands.js";
import type { WriteStall } from "../shared/write-stall.js";

export interface AdminListenOptions extends AdminRoutesOptions {
  readonly logger: Logger;
  /** Commands wait on a failing disk only this long (bounded-commands.ts). */
  readonly writeStall?: WriteStall;
  readonly socketPath: string;
  /** TCP as well; only with a token (config.ts refuses a port without one). */
  readonly tcp?: { readonly port: number; readonly host: string; readonly token: string };
}

export interface AdminApi {
  readonly socketPath: string;
  /** The TCP address when listening there too, e.g. `http://127.0.0.1:8002`. */
  readonly tcpUrl?: string;
  close(): Promise<void>;
}

export class AdminListenError extends Error {
  override readonly name = "AdminListenError";
}

export function buildAdminServer(
  opts: AdminRoutesOptions & { logger: Logger; token?: string; writeStall?: WriteStall },
): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    schemaController: zodOnlySchemas,
  });
  // JSON only: a text/plain body is a 415, not a string that reaches a route.
  app.removeContentTypeParser("text/plain");
  installAdminErrorHandling(app);
  if (opts.token !== undefined) {
    const check = bearerChecker(opts.token);
    app.addHook("onRequest", async (request, reply) => {
      if (check(request.headers.authorization)) return;
      return reply
        .code(401)
        .header("www-authenticate", 'Bearer realm="anteroom-admin"')
        .send({ error: "unauthorized", message: "send Authorization: Bearer <ADMIN_TOKEN>" });
    });
  }
  if (opts.writeStall) boundAdminCommands(app, opts.writeStall);
  registerAdminRoutes(app, opts);
  return app;
}

/**
 * A check of `Authorization: Bearer <token>` that takes the same time whatever
 * the guess: both sides are hashed to equal-length digests and compared with
 * `timingSafeEqual`, so neither the length nor a common prefix leaks.
 */
export function bearerChecker(token: string): (header: string | undefined) => boolean {
  if (!token) throw new Error("an empty admin token would let anyone in");
  const expected = digest(token);
  return (header) => {
    const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header ?? "");
    // Compare something in every case, so a missing header costs what a wrong one does.
    const given = digest(match?.[1] ?? "");
    return timingSafeEqual(given, expected) && match !== null;
  };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** Starts the admin API on the socket (and TCP when configured). */
export async function startAdminApi(opts: AdminListenOptions): Promise<AdminApi> {
  const log = opts.logger.child({ component: "admin-api" });
  const { tcp, socketPath } = opts;
  await clearStaleSocket(socketPath);
  // One count of open event streams for both listeners.
  const streamSlots = opts.streamSlots ?? new StreamSlots();
  const onSocket = buildAdminServer({ ...opts, streamSlots, logger: log });
  // The socket is made 0600 from the start (umask), and again after in case the umask was ignored.
  const umask = process.umask(0o177);
  try {
    await onSocket.listen({ path: socketPath });
  } catch (error) {
    throw new AdminListenError(
      `could not listen on the admin socket ${socketPath}: ${(error as Error).message}` +
        (socketPath.length > 100
          ? " (a unix socket path must be short; use a shorter DATA_DIR)"
          : ""),
      { cause: error },
    );
  } finally {
    process.umask(umask);
  }
  await chmod(socketPath, 0o600);

  let onTcp: FastifyInstance | undefined;
  let tcpUrl: string | undefined;
  if (tcp) {
    onTcp = buildAdminServer({ ...opts, streamSlots, logger: log, token: tcp.token });
    try {
      tcpUrl = await onTcp.listen({ port: tcp.port, host: tcp.host });
    } catch (error) {
      await onSocket.close();
      throw new AdminListenError(
        `could not listen for the admin API on ${tcp.host}:${tcp.port} (ADMIN_HTTP_PORT): ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  log.info({ socket: socketPath, tcp: tcpUrl ?? null }, "admin API listening");
  return {
    socketPath,
    ...(tcpUrl === undefined ? {} : { tcpUrl }),
    async close() {
      await Promise.all([onSocket.close(), onTcp?.close()]);
    },
  };
}

/**
 * A socket file left by a daemon killed with -9 would stop the listen: remove
 * it, but only if nothing answers on it. The data-dir lock already keeps a
 * second engine out; this keeps us from unlinking a live process's socket.
 */
export async function clearStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = (await lstat(path)).isSocket();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (!isSocket) {
    throw new AdminListenError(`${path} exists and is not a socket; move it out of the way`);
  }
  if (await socketAnswers(path)) {
    throw new AdminListenError(
      `another process answers on ${path}; is another anteroom running on this data dir?`,
    );
  }
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
}

function socketAnswers(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (answers: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answers);
    };
    // A socket that accepts but is slow is still somebody's: treat a timeout as alive.
    const timer = setTimeout(() => done(true), timeoutMs);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** The daemon's admin API, as its settings say. */
export function startAdminApiFor(
  config: DaemonConfig,
  runtime: Pick<Runtime, "engine" | "health" | "tokens" | "moderation" | "audit"> &
    Partial<
      Pick<
        Runtime,
        "roles" | "lifecycle" | "memberActions" | "writeFaults" | "identities" | "encryption"
      >
    >,
  logger: Logger,
  /** What the daemon adds beyond the runtime (its recent log lines). */
  extra: Pick<AdminRoutesOptions, "recentLog"> = {},
): Promise<AdminApi> {
  return startAdminApi({
    ...extra,
    engine: runtime.engine,
    health: () => {
      // Operators see here a policy list that cannot be followed; the public /healthz does not.
      const { ok, body } = healthReport(runtime.health, runtime.writeFaults);
      return {
        ok,
        body: {
          ...body,
          policy_lists: runtime.moderation.policyLists(),
          ...(runtime.encryption ? { encryption: runtime.encryption } : {}),
        },
      };
    },
    publicUrl: config.publicUrl,
    endorsementsPath: config.paths.endorsements,
    tokens: runtime.tokens,
    ...(runtime.roles ? { roles: runtime.roles } : {}),
    ...(runtime.lifecycle ? { lifecycle: runtime.lifecycle } : {}),
    ...(runtime.memberActions ? { memberActions: runtime.memberActions } : {}),
    ...(runtime.identities ? { identities: runtime.identities } : {}),
    blocklist: {
      blocklist: runtime.moderation.blocklist,
      policyLists: () => runtime.moderation.policyLists(),
      audit: runtime.audit,
    },
    logger,
    ...(runtime.writeFaults ? { writeStall: { failing: () => runtime.writeFaults?.reason } } : {}),
    socketPath: config.admin.socketPath,
    ...(config.admin.tcp ? { tcp: config.admin.tcp } : {}),
  });
}
