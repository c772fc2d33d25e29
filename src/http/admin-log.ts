/**
 * The daemon's own log in the admin API, under `/admin/v1`: `GET /log` (the
 * recent lines the daemon keeps in memory, see recent-log.ts) and
 * `GET /log/stream` (those lines, then every new one, as Server-Sent Events,
 * with a heartbeat and a bounded buffer per client as `/events` has). Same
 * conventions as admin.ts: input validated here (400), errors `{error, message}`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { encodeSseComment, encodeSseEvent } from "../control/sse.js";
import type { RecentLog, RecentLogLine } from "../recent-log.js";
import { ADMIN_PREFIX, ApiError, parseOr400 } from "./admin.js";

export interface LogRoutesOptions {
  /** Without it (a process that keeps no recent lines) the routes answer 503. */
  readonly recentLog?: RecentLog;
  /** A comment line on the stream this often (default 15 s). */
  readonly heartbeatMs?: number;
  /** Bytes a stream may have waiting for a slow client beyond the replay (default 4 MiB). */
  readonly maxBufferedBytes?: number;
}

const DEFAULT_HEARTBEAT_MS = 15_000;
const DEFAULT_MAX_BUFFERED = 4 * 1024 * 1024;
/** After the last words, a client that still reads nothing is cut off. */
const GRACE_MS = 5_000;

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
    const stream = new LogStream(request, reply, recent, opts, () => streams.delete(stream));
    streams.add(stream);
    stream.start(after);
  });
}

function lineJson(line: RecentLogLine) {
  return { seq: line.seq, line: line.text };
}

/** One client's stream: the kept lines after `after`, then every new line. */
class LogStream {
  private closed = false;
  private unsubscribe: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private limit = Infinity;

  constructor(
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    private readonly recent: RecentLog,
    private readonly opts: LogRoutesOptions,
    private readonly onClosed: () => void,
  ) {}

  start(after: number): void {
    this.reply.hijack();
    const res = this.reply.raw;
    res.on("close", () => this.cleanUp());
    res.on("error", () => this.cleanUp());
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "close",
      "x-accel-buffering": "no",
    });
    // Nothing logs between the two calls (both synchronous): no line is lost or doubled.
    const replay = this.recent.lines(after);
    this.unsubscribe = this.recent.subscribe((line) => this.send(line));
    for (const line of replay) this.write(this.encode(line));
    this.limit = res.writableLength + (this.opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED);
    this.heartbeat = setInterval(
      () => this.write(encodeSseComment("heartbeat")),
      this.opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    );
    this.heartbeat.unref();
  }

  /** Ends the stream from our side (the server is closing). */
  close(): void {
    if (this.closed) return;
    const res = this.reply.raw;
    const socket = res.socket;
    this.cleanUp();
    res.end();
    setTimeout(() => socket?.destroy(), GRACE_MS).unref();
  }

  private encode(line: RecentLogLine): string {
    return encodeSseEvent({
      event: "line",
      id: `${this.recent.runId}:${line.seq}`,
      data: line.text,
    });
  }

  private send(line: RecentLogLine): void {
    this.write(this.encode(line));
    if (!this.closed && this.reply.raw.writableLength > this.limit) this.overflow();
  }

  private overflow(): void {
    const res = this.reply.raw;
    const socket = res.socket;
    const buffered = res.writableLength;
    this.write(
      encodeSseEvent({
        event: "overflow",
        data: JSON.stringify({
          error: "overflow",
          message: "this client fell too far behind; reconnect with Last-Event-ID to go on",
        }),
      }),
    );
    // Unsubscribed before logging: the warning is itself a log line and must not come back here.
    this.cleanUp();
    res.end();
    setTimeout(() => socket?.destroy(), GRACE_MS).unref();
    this.request.log.warn({ buffered }, "an admin log stream client is too slow; disconnecting it");
  }

  private write(text: string): void {
    const res = this.reply.raw;
    if (this.closed || res.writableEnded || res.destroyed) return;
    res.write(text);
  }

  private cleanUp(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.unsubscribe?.();
    this.onClosed();
  }
}
