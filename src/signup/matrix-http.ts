/**
 * Plain client-server API requests for the signup path, made as the new user
 * (or as nobody, for registration) rather than as the bot. Every request has
 * a time limit; the answer is the status and the JSON body, whatever the
 * status. Only a request that got no answer throws.
 */
import { nodeHttpFetch } from "../matrix/node-http-fetch.js";

export interface MatrixAnswer {
  readonly status: number;
  readonly json: Record<string, unknown>;
  /** From `retry_after_ms` or a Retry-After header, on a 429. */
  readonly retryAfterMs?: number;
}

/** No answer: the homeserver could not be reached, or did not answer in time. */
export class NoAnswerError extends Error {
  override readonly name = "NoAnswerError";

  constructor(
    message: string,
    readonly timedOut: boolean,
    /** False when the request surely never reached the homeserver (connection refused, no such host). */
    readonly mayHaveArrived: boolean,
  ) {
    super(message);
  }
}

/** Errors that mean the request never left: nothing can have happened on the homeserver. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

export interface MatrixHttpOptions {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

export class MatrixHttp {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: MatrixHttpOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
    this.fetchImpl = opts.fetch ?? nodeHttpFetch;
  }

  async request(
    method: "GET" | "POST" | "PUT",
    path: string,
    body?: unknown,
    accessToken?: string,
  ): Promise<MatrixAnswer> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (accessToken !== undefined) headers.authorization = `Bearer ${accessToken}`;
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
        redirect: "error",
      });
      text = await response.text();
    } catch (error) {
      const timedOut = error instanceof Error && error.name === "TimeoutError";
      const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
      const notSent = typeof cause?.code === "string" && NOT_SENT.has(cause.code);
      // The path only: it never carries a secret, the body may.
      throw new NoAnswerError(
        timedOut
          ? `${method} ${pathOnly(path)}: no answer within ${this.opts.timeoutMs} ms`
          : `${method} ${pathOnly(path)}: ${describe(error)}`,
        timedOut,
        !notSent,
      );
    }
    const json = parseObject(text);
    const retryAfterMs =
      typeof json.retry_after_ms === "number"
        ? json.retry_after_ms
        : retryAfterHeader(response.headers.get("retry-after"));
    return {
      status: response.status,
      json,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
}

/** A homeserver's `{errcode, error}` as one line, for steps and logs. */
export function describeAnswer(answer: MatrixAnswer): string {
  const errcode = typeof answer.json.errcode === "string" ? answer.json.errcode : undefined;
  const error = typeof answer.json.error === "string" ? answer.json.error.slice(0, 300) : undefined;
  return [`HTTP ${answer.status}`, errcode, error].filter(Boolean).join(" ");
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const raw: unknown = JSON.parse(text);
    if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
      return raw as Record<string, unknown>;
    }
  } catch {
    // not JSON: an HTML error page from a proxy, say
  }
  return {};
}

function retryAfterHeader(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

function pathOnly(path: string): string {
  const query = path.indexOf("?");
  return query === -1 ? path : path.slice(0, query);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
