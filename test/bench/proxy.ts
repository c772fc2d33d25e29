/**
 * A counting reverse proxy for BENCH_TRACE=1: put in front of the homeserver for one bot, it
 * counts that bot's client-server requests by endpoint (ids folded away) and their total time.
 */
import { Agent, createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface EndpointUse {
  n: number;
  ms: number;
}

export type Counts = Map<string, EndpointUse>;

export class CountingProxy {
  private readonly counts: Counts = new Map();

  private constructor(private readonly server: Server) {}

  static async start(target: string): Promise<CountingProxy> {
    const upstream = new URL(target);
    const agent = new Agent({ keepAlive: true });
    const server = createServer((req, res) => {
      const started = performance.now();
      const key = endpoint(req.method ?? "GET", req.url ?? "/");
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
          agent,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.once("end", () => proxy.count(key, performance.now() - started));
        },
      );
      forward.once("error", () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(forward);
    });
    server.keepAliveTimeout = 120_000;
    const proxy = new CountingProxy(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A copy of the counts so far. */
  snapshot(): Counts {
    return new Map([...this.counts].map(([k, v]) => [k, { ...v }]));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private count(key: string, ms: number): void {
    const use = this.counts.get(key) ?? { n: 0, ms: 0 };
    use.n++;
    use.ms += ms;
    this.counts.set(key, use);
  }
}

/** What was done between two snapshots. */
export function countsSince(before: Counts, after: Counts): Counts {
  const out: Counts = new Map();
  for (const [key, use] of after) {
    const was = before.get(key) ?? { n: 0, ms: 0 };
    if (use.n > was.n) out.set(key, { n: use.n - was.n, ms: use.ms - was.ms });
  }
  return out;
}

/** `PUT /rooms/{id}/send/m.room.message/{txn}`: the route, without ids or the query. */
export function endpoint(method: string, url: string): string {
  const path = (url.split("?")[0] ?? "").replace(/^\/_matrix\/client\/(v3|r0|v1)/, "");
  const segments = path.split("/").map((segment, i, all) => {
    if (all[i - 2] === "send" || all[i - 2] === "state") return "{key}";
    return /^([!$@#]|%21|%24|%40|%23)/i.test(segment) || /^\d+$/.test(segment) ? "{id}" : segment;
  });
  return `${method} ${segments.join("/")}`;
}
