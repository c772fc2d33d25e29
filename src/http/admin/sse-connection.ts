/**
 * One Server-Sent Events client of the admin API (the engine's `/events`, the
 * daemon's `/log/stream`): the raw response taken over from fastify, a
 * heartbeat comment, and a bounded buffer — a client that falls further behind
 * than `maxBufferedBytes` gets a last `overflow` event and is cut off, so one
 * stalled reader can never grow the daemon's memory.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { encodeSseComment, encodeSseEvent } from "../../control/sse.js";

export interface SseOptions {
  /** A comment line this often (default 15 s). */
  readonly heartbeatMs?: number;
  /** Bytes that may wait for a slow client beyond what `arm` found buffered (default 4 MiB). */
  readonly maxBufferedBytes?: number;
}

const DEFAULT_HEARTBEAT_MS = 15_000;
const DEFAULT_MAX_BUFFERED = 4 * 1024 * 1024;
/** After the last words (overflow, or the server closing), a client that still reads nothing is cut off. */
const GRACE_MS = 5_000;

export class SseConnection {
  private closed = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private limit = Infinity;
  private readonly cleanUps: (() => void)[] = [];

  constructor(
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    private readonly opts: SseOptions,
    /** What to tell a client cut off for falling behind, and what to log. */
    private readonly overflowWords: { readonly message: string; readonly log: string },
  ) {}

  /** Takes the response over and sends the headers; `onClose` runs once, however it ends. */
  open(onClose: () => void): void {
    this.cleanUps.push(onClose);
    this.reply.hijack();
    const res = this.reply.raw;
    res.on("close", () => this.cleanUp());
    res.on("error", () => this.cleanUp());
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      // The connection ends with the stream: nothing waits on a keep-alive socket afterwards.
      connection: "close",
      "x-accel-buffering": "no",
    });
    // Node holds the headers back until the first write: a stream with nothing to replay
    // would leave its client without an answer until the first heartbeat.
    res.flushHeaders();
  }

  /** After the opening burst (snapshot or replay): from here on the buffer is bounded, and the heartbeat runs. */
  arm(): void {
    this.limit =
      this.reply.raw.writableLength + (this.opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED);
    this.heartbeat = setInterval(
      () => this.write(encodeSseComment("heartbeat")),
      this.opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    );
    this.heartbeat.unref();
  }

  /** Writes a live event; a client that has fallen too far behind is cut off instead. */
  send(text: string): void {
    this.write(text);
    if (!this.closed && this.reply.raw.writableLength > this.limit) this.overflow();
  }

  /** Writes without the bound (the opening burst). */
  write(text: string): void {
    const res = this.reply.raw;
    if (this.closed || res.writableEnded || res.destroyed) return;
    res.write(text);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Ends the stream from our side (the server is closing, or it cannot start). */
  close(): void {
    if (this.closed) return;
    this.end();
  }

  private overflow(): void {
    const buffered = this.reply.raw.writableLength;
    this.write(
      encodeSseEvent({
        event: "overflow",
        data: JSON.stringify({ error: "overflow", message: this.overflowWords.message }),
      }),
    );
    this.end();
    // Logged once the stream is closed: a log stream must not carry its own warning back here.
    this.request.log.warn({ buffered }, this.overflowWords.log);
  }

  private end(): void {
    const res = this.reply.raw;
    const socket = res.socket;
    this.cleanUp();
    res.end();
    setTimeout(() => socket?.destroy(), GRACE_MS).unref();
  }

  private cleanUp(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const cleanUp of this.cleanUps.splice(0)) cleanUp();
  }
}
