/**
 * Follows the daemon's own log over its admin socket (`GET /admin/v1/log/stream`,
 * see src/http/admin/log.ts): the recent lines it keeps, then every new one.
 * When the stream drops (the daemon restarts, or cut this client for being
 * slow) it reconnects with back-off and sends `Last-Event-ID`, so the same
 * daemon resumes after the last line seen and a restarted one sends its own
 * lines from the start. A daemon without the route (404: older than this
 * client) is said once and not asked again.
 */
import { request, type ClientRequest, type IncomingMessage } from "node:http";
import { SseParser } from "./sse.js";

const LOG_STREAM_PATH = "/admin/v1/log/stream";
/** The daemon cuts its lines far shorter; a longer one is a broken stream. */
const MAX_SSE_LINE = 1024 * 1024;

export type DaemonLogStreamState =
  | { readonly kind: "live" }
  | { readonly kind: "lost"; readonly why: string }
  | { readonly kind: "unsupported" };

export interface DaemonLogStreamListener {
  /** Complete lines as the daemon logged them (pino JSON, hostile text: sanitize before showing). */
  onLines(lines: readonly string[]): void;
  onState(state: DaemonLogStreamState): void;
}

export interface FollowLogOptions {
  /** Back-off between reconnects: from `min` doubling to `max` (default 250 ms to 5 s). */
  readonly backoffMs?: { readonly min: number; readonly max: number };
  /** No byte (not even a heartbeat) for this long means the stream is dead (default 45 s). */
  readonly staleAfterMs?: number;
}

/** Starts following; returns the stop. */
export function followDaemonLog(
  socketPath: string,
  listener: DaemonLogStreamListener,
  opts: FollowLogOptions = {},
): () => void {
  const backoff = opts.backoffMs ?? { min: 250, max: 5_000 };
  const staleAfterMs = opts.staleAfterMs ?? 45_000;
  let stopped = false;
  let delay = backoff.min;
  let lastEventId = "";
  let current: ClientRequest | undefined;
  let retry: NodeJS.Timeout | undefined;
  let stale: NodeJS.Timeout | undefined;

  const lost = (why: string) => {
    clearTimeout(stale);
    current = undefined;
    if (stopped) return;
    listener.onState({ kind: "lost", why });
    retry = setTimeout(connect, delay);
    delay = Math.min(backoff.max, delay * 2);
  };

  const follow = (req: ClientRequest, res: IncomingMessage) => {
    delay = backoff.min;
    listener.onState({ kind: "live" });
    const batch: string[] = [];
    const parser = new SseParser(
      (event) => {
        if (event.event === "line") batch.push(event.data);
      },
      undefined,
      MAX_SSE_LINE,
    );
    const touch = () => {
      clearTimeout(stale);
      stale = setTimeout(() => req.destroy(new Error("the daemon went silent")), staleAfterMs);
      stale.unref();
    };
    touch();
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      touch();
      try {
        parser.feed(chunk);
      } catch (error) {
        req.destroy(error as Error);
        return;
      }
      lastEventId = parser.lastEventId;
      if (batch.length > 0 && !stopped) listener.onLines(batch.splice(0));
    });
  };

  const refused = (res: IncomingMessage) => {
    let body = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      if (body.length < 4096) body += chunk;
    });
    res.on("end", () => lost(`the daemon answered ${res.statusCode}: ${messageOf(body)}`));
  };

  function connect(): void {
    if (stopped) return;
    let settled = false;
    const once = (why: string) => {
      if (settled) return;
      settled = true;
      lost(why);
    };
    const req = request(
      {
        socketPath,
        path: LOG_STREAM_PATH,
        agent: false,
        headers: {
          accept: "text/event-stream",
          ...(lastEventId ? { "last-event-id": lastEventId } : {}),
        },
      },
      (res) => {
        if (res.statusCode === 404) {
          settled = true;
          res.resume();
          if (!stopped) listener.onState({ kind: "unsupported" });
          return;
        }
        if (res.statusCode !== 200) {
          settled = true;
          refused(res);
          return;
        }
        follow(req, res);
        res.on("end", () => once("the daemon ended the log stream"));
        res.on("close", () => once("the log stream closed"));
        res.on("error", (error) => once(error.message));
      },
    );
    req.on("error", (error) => once(error.message));
    req.end();
    current = req;
  }

  connect();
  return () => {
    stopped = true;
    clearTimeout(retry);
    clearTimeout(stale);
    current?.destroy();
  };
}

/** The `message` of an `{error, message}` body, or the start of whatever came. */
function messageOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === "string") return parsed.message.slice(0, 300);
  } catch {
    // Not JSON: shown as it came, cut.
  }
  return body.slice(0, 300);
}
