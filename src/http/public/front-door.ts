/**
 * The sidecar's listening socket, open from the first moment of a daemon's start: until the
 * engine is ready it answers the health routes with 503 and what the start waits on (a
 * homeserver that cannot be reached, a data dir held by another instance), and every other
 * route with 503; then Fastify's handler takes over on the same socket, with no gap.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { REQUEST_TIMEOUT_MS } from "./server.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface FrontDoor {
  /** What the start waits on now; health shows it. */
  waiting(reason: string): void;
  /** Gives the socket to the full sidecar (as Fastify's `serverFactory`); it serves after `open`. */
  adopt(handler: Handler): Server;
  /** The full sidecar is ready: it answers from now on. */
  open(): void;
  listen(port: number, host: string): Promise<void>;
  close(): Promise<void>;
}

export function openFrontDoor(initialReason: string): FrontDoor {
  let reason = initialReason;
  const starting: Handler = (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/health") {
      res.writeHead(503, { "content-type": "text/plain; charset=utf-8" }).end("starting");
      return;
    }
    const body =
      path === "/healthz"
        ? { status: "starting", reason }
        : { error: "starting", message: `anteroom is starting (${reason}); try again shortly` };
    res.writeHead(503, { "content-type": "application/json; charset=utf-8", "retry-after": "5" });
    res.end(JSON.stringify(body));
  };
  let handler: Handler = starting;
  let adopted: Handler | undefined;
  const server = createServer((req, res) => handler(req, res));
  // The same bound the full sidecar keeps: a client that drips a request does not hold a socket.
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  return {
    waiting: (next) => {
      reason = next;
    },
    adopt: (next) => {
      adopted = next;
      return server;
    },
    open: () => {
      if (adopted) handler = adopted;
    },
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve();
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
