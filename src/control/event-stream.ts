/**
 * The daemon's event stream over the admin socket (`GET /admin/v1/events`,
 * Server-Sent Events): a snapshot, then the engine's changes. It reports a
 * lost stream (an error, the end, a status other than 200, or nothing at all,
 * not even a heartbeat, for `staleAfterMs`) and reconnects with back-off when
 * asked to. Whatever an old connection still says is ignored.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";
import type { EngineSnapshot } from "../../core/api.js";
import type { EngineEvent } from "../../core/engine/events.js";
import { ADMIN_PREFIX } from "./admin-socket.js";
import { SseParser, type SseEvent } from "./sse.js";

export interface EventStreamListener {
  onSnapshot(snapshot: EngineSnapshot): void;
  /** A change after this connection's snapshot. */
  onEvent(event: EngineEvent): void;
  onLost(why: string): void;
}

export interface EventStreamOptions {
  /** No byte (not even a heartbeat) for this long means the stream is dead (default 45 s). */
  readonly staleAfterMs?: number;
  /** Back-off between reconnects: from `min` doubling to `max` (default 250 ms to 5 s). */
  readonly backoffMs?: { readonly min: number; readonly max: number };
}

const CHANGE_EVENTS = new Set([
  "record",
  "lobby",
  "codes",
  "joinWave",
  "invites",
  "removed",
  "audit",
]);

export class DaemonEventStream {
  private request: ClientRequest | undefined;
  private current = 0;
  private hasSnapshot = false;
  private lastByteAt = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private attempt = 0;
  private closed = false;

  constructor(
    private readonly socketPath: string,
    private readonly listener: EventStreamListener,
    private readonly opts: EventStreamOptions = {},
  ) {}

  /** Changes with every connection (and loss): work begun for an older one can tell it is stale. */
  get generation(): number {
    return this.current;
  }

  open(): void {
    if (this.closed) return;
    const generation = ++this.current;
    this.hasSnapshot = false;
    const req = httpRequest({
      socketPath: this.socketPath,
      path: `${ADMIN_PREFIX}/events`,
      method: "GET",
      headers: { accept: "text/event-stream" },
      // The stream lives long; it is not one of the pooled request sockets.
      agent: false,
    });
    this.request = req;
    const lost = (why: string): void => {
      if (generation === this.current) this.lose(why);
    };
    req.on("error", (error) => lost(error.message));
    req.on("response", (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        res.resume();
        lost(`the event stream answered ${res.statusCode ?? "?"}`);
        return;
      }
      this.lastByteAt = Date.now();
      res.setEncoding("utf8");
      const parser = new SseParser((event) => {
        if (generation === this.current) this.onSse(event, req);
      });
      res.on("data", (chunk: string) => {
        this.lastByteAt = Date.now();
        try {
          parser.feed(chunk);
        } catch (error) {
          req.destroy(error as Error);
        }
      });
      res.on("end", () => lost("the daemon ended the event stream"));
      res.on("close", () => lost("the event stream closed"));
      res.on("error", (error) => lost(error.message));
    });
    req.end();
    clearInterval(this.watchdog);
    const staleAfter = this.opts.staleAfterMs ?? 45_000;
    this.watchdog = setInterval(
      () => {
        if (this.lastByteAt && Date.now() - this.lastByteAt > staleAfter) {
          req.destroy(new Error(`nothing from the daemon for ${staleAfter} ms`));
        }
      },
      Math.min(5_000, staleAfter),
    );
    this.watchdog.unref();
  }

  /** Opens the stream again after the back-off, which grows with every attempt until a snapshot. */
  reconnectLater(): void {
    const { min, max } = this.opts.backoffMs ?? { min: 250, max: 5_000 };
    const wait = Math.min(max, min * 2 ** Math.min(this.attempt, 16)) * (0.75 + Math.random() / 2);
    this.attempt++;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.open(), wait);
    this.retry.unref();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    clearInterval(this.watchdog);
    this.request?.destroy();
    this.request = undefined;
  }

  private lose(why: string): void {
    this.current++; // whatever the old stream still says is ignored
    this.request?.destroy();
    this.request = undefined;
    this.lastByteAt = 0;
    if (!this.closed) this.listener.onLost(why);
  }

  private onSse(sse: SseEvent, req: ClientRequest): void {
    let data: unknown;
    try {
      data = JSON.parse(sse.data);
    } catch {
      req.destroy(new Error(`the daemon sent an unreadable ${sse.event} event`));
      return;
    }
    if (sse.event === "snapshot") {
      this.hasSnapshot = true;
      this.attempt = 0;
      this.listener.onSnapshot(data as EngineSnapshot);
    } else if (CHANGE_EVENTS.has(sse.event) && this.hasSnapshot) {
      this.listener.onEvent(data as EngineEvent);
    }
    // Anything else ("overflow"): the daemon ends the stream next, and we reconnect.
  }
}
