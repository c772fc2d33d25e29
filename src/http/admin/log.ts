/**
 * The daemon's own log in the admin API, under `/admin/v1`: `GET /log` (the
 * recent lines the daemon keeps in memory, see recent-log.ts) and
 * `GET /log/stream` (those lines, then every new one, as Server-Sent Events,
 * with a heartbeat and a bounded buffer per client as `/events` has). Same
 * conventions as routes.ts: input validated here (400), errors `{error, message}`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import * as z from "zod";
import { encodeSseEvent } from "../../control/sse.js";
import { SseConnection, type SseOptions } from "./sse-connection.js";
import type { RecentLog, RecentLogLine } from "../../recent-log.js";
import { ADMIN_PREFIX, ApiError, parseOr400 } from "./common.js";
import type { StreamSlots } from "./stream-slots.js";

export interface LogRoutesOptions extends SseOptions {
  /** Without it (a process that keeps no recent lines) the routes answer 503. */
  readonly recentLog?: RecentLog;
  /** Shared with the engine's event stream: at most so many streams at once. */
  readonly streamSlots: StreamSlots;
}

const logQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100_000).optional(),
});

/** `<run>:<seq>`, as the stream sends in `id:`; anything else is refused. */
const lastEventIdSchema = z
  .string()
  .max(100)
  .regex(/^[0-9a-f-]{1,64}:\d{1,15}$/, "the id of an event this stream sent (run:seq)");

export function registerLogRoutes(app: FastifyInstance, opts: LogRoutesOptions): void {
  const need = (): RecentLog => {
    if (opts.recentLog) return opts.recentLog;
    throw new ApiError(503, "log_unavailable", "this process keeps no recent log lines");
  };
  const streams = new Set<LogStream>();
  app.addHook("preClose", async () => {
    for (const stream of [...streams]) stream.close();
  });

  app.get(`${ADMIN_PREFIX}/log`, async (request) => {
    const { limit } = parseOr400(logQuery, request.query, "query");
    const recent = need();
    const lines = recent.lines();
    return {
      run: recent.runId,
      lines: (limit === undefined ? lines : lines.slice(-limit)).map(lineJson),
    };
  });

  app.get(`${ADMIN_PREFIX}/log/stream`, (request, reply) => {
    const recent = need();
    const header = request.headers["last-event-id"];
    const last =
      header === undefined ? undefined : parseOr400(lastEventIdSchema, header, "Last-Event-ID");
    const [run, seq] = last?.split(":") ?? [];
    // Another run's id (the daemon restarted since): its numbers mean nothing here, send all.
    const after = run === recent.runId ? Number(seq) : 0;
    const giveBack = opts.streamSlots.take();
    const stream = new LogStream(request, reply, recent, opts, () => {
      streams.delete(stream);
      giveBack();
    });
    streams.add(stream);
    stream.start(after);
  });
}

function lineJson(line: RecentLogLine) {
  return { seq: line.seq, line: line.text };
}

/** One client's stream: the kept lines after `after`, then every new line. */
class LogStream {
  private readonly connection: SseConnection;

  constructor(
    request: FastifyRequest,
    reply: FastifyReply,
    private readonly recent: RecentLog,
    opts: LogRoutesOptions,
    private readonly onClosed: () => void,
  ) {
    this.connection = new SseConnection(request, reply, opts, {
      message: "this client fell too far behind; reconnect with Last-Event-ID to go on",
      log: "an admin log stream client is too slow; disconnecting it",
    });
  }

  start(after: number): void {
    // Nothing logs between the two calls (both synchronous): no line is lost or doubled.
    const replay = this.recent.lines(after);
    const unsubscribe = this.recent.subscribe((line) => this.connection.send(this.encode(line)));
    this.connection.open(() => {
      unsubscribe();
      this.onClosed();
    });
    for (const line of replay) this.connection.write(this.encode(line));
    this.connection.arm();
  }

  /** Ends the stream from our side (the server is closing). */
  close(): void {
    this.connection.close();
  }

  private encode(line: RecentLogLine): string {
    return encodeSseEvent({
      event: "line",
      id: `${this.recent.runId}:${line.seq}`,
      data: line.text,
    });
  }
}
