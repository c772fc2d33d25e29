/**
 * The daemon's admin socket: where it is, whether a daemon answers on it, and
 * one JSON request over it. The attach client and the console's moderation
 * API both talk to the daemon through `call`.
 */
import { Agent, request as httpRequest } from "node:http";
import { stat } from "node:fs/promises";
import { join } from "node:path";

export const ADMIN_SOCKET_NAME = "admin.sock";
/** The admin API's path prefix. */
export const ADMIN_PREFIX = "/admin/v1";

export function adminSocketOf(dataDir: string): string {
  return join(dataDir, ADMIN_SOCKET_NAME);
}

/** A request the daemon answered with an error, or could not answer. */
export class AdminApiError extends Error {
  override readonly name = "AdminApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Whether a daemon answers on the data dir's admin socket: false when there is
 * no socket, nobody listens (a stale socket after a crash), or nothing answers
 * within `timeoutMs`.
 */
export async function isDaemonRunning(dataDir: string, timeoutMs = 1000): Promise<boolean> {
  const socketPath = adminSocketOf(dataDir);
  try {
    if (!(await stat(socketPath)).isSocket()) return false;
  } catch {
    return false;
  }
  const agent = new Agent({ keepAlive: false });
  try {
    await call(agent, socketPath, "GET", `${ADMIN_PREFIX}/health`, { timeoutMs });
    return true;
  } catch {
    return false;
  } finally {
    agent.destroy();
  }
}

export interface CallOptions {
  readonly body?: unknown;
  /** The moderator the daemon audits the request with. */
  readonly actor?: string;
  /** Statuses besides 2xx that resolve instead of rejecting. */
  readonly accept?: readonly number[];
  readonly timeoutMs?: number;
}

/** One JSON request over the socket. Statuses other than 2xx and `accept` become an AdminApiError. */
export function call(
  agent: Agent,
  socketPath: string,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    // A Buffer, not a string: Node would send the headers along with a string body in its encoding.
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers: Record<string, string> = { accept: "application/json" };
    if (payload !== undefined) headers["content-type"] = "application/json";
    // Header values travel as bytes; a UTF-8 name goes as its bytes, and the daemon decodes it.
    if (opts.actor !== undefined)
      headers["x-anteroom-actor"] = Buffer.from(opts.actor, "utf8").toString("latin1");
    const req = httpRequest(
      { socketPath, path, method, headers, agent, timeout: opts.timeoutMs ?? 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          if ((status >= 200 && status < 300) || opts.accept?.includes(status)) {
            resolve({ status, body });
            return;
          }
          const error =
            typeof body === "object" && body !== null && "error" in body
              ? String((body as { error: unknown }).error)
              : "http_error";
          reject(
            new AdminApiError(status, error, `${method} ${path}: ${status} ${messageOf(body)}`),
          );
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in time`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** The daemon's message in an error body. */
export function messageOf(body: unknown): string {
  if (typeof body === "object" && body !== null && "message" in body) {
    return String((body as { message: unknown }).message);
  }
  return "the daemon refused";
}
