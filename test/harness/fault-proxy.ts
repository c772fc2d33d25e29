/**
 * A fault injector in front of the real homeserver: forwards every request to it, except that
 * while failing is on, every third request is answered 500 without reaching the homeserver (as
 * a homeserver behind an overloaded proxy does). Integration tests point the daemon at it.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export class FaultProxy {
  /** Requests answered 500 by the proxy so far. */
  injected = 0;
  /** Requests forwarded to the homeserver so far. */
  forwarded = 0;
  private seen = 0;
  private failingUntil = 0;
  private readonly sockets = new Set<import("node:net").Socket>();

  private constructor(
    private readonly target: URL,
    private readonly server: ReturnType<typeof createServer>,
  ) {}

  static async start(targetUrl: string): Promise<FaultProxy> {
    const server = createServer();
    const proxy = new FaultProxy(new URL(targetUrl), server);
    server.on("request", (req, res) => proxy.handle(req, res));
    server.on("connection", (socket) => {
      proxy.sockets.add(socket);
      socket.on("close", () => proxy.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Every third request fails from now for `ms`, then all are forwarded again. */
  failFor(ms: number): void {
    this.failingUntil = Date.now() + ms;
  }

  get failing(): boolean {
    return Date.now() < this.failingUntil;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.seen++;
    if (this.failing && this.seen % 3 === 0) {
      this.injected++;
      req.resume();
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ errcode: "M_UNKNOWN", error: "Internal server error (injected)" }));
      return;
    }
    this.forwarded++;
    const upstream = request(
      {
        hostname: this.target.hostname,
        port: this.target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: this.target.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  }
}
