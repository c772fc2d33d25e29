/**
 * The client-server API calls `anteroom init` makes: a non-2xx answer becomes
 * a HomeserverRefusal carrying the errcode, a 429 is waited out as the server
 * asks, and no answer at all becomes an InitError that names the homeserver.
 * (Registration goes through src/signup's MatrixHttp, which `http` exposes.)
 */
import { MatrixHttp } from "../signup/matrix-http.js";
import { setTimeout as sleep } from "node:timers/promises";

/** A problem the operator must fix; its message says what and how, in one or two sentences. */
export class InitError extends Error {
  override readonly name = "InitError";
}

/** The homeserver answered, and said no. */
export class HomeserverRefusal extends Error {
  override readonly name = "HomeserverRefusal";

  constructor(
    message: string,
    readonly status: number,
    readonly errcode: string | undefined,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 30_000;
/** Waiting out rate limits ends after this long in all, for one request. */
const RATE_LIMIT_BUDGET_MS = 120_000;

// Matrix JSON arrives untyped; callers check each field they read.
export type Json = Record<string, unknown>;

export class HomeserverApi {
  readonly http: MatrixHttp;

  constructor(
    readonly baseUrl: string,
    private readonly accessToken?: string,
  ) {
    this.http = new MatrixHttp({ baseUrl, timeoutMs: TIMEOUT_MS });
  }

  /** The same homeserver, as the holder of `accessToken`. */
  as(accessToken: string): HomeserverApi {
    return new HomeserverApi(this.baseUrl, accessToken);
  }

  /** Fails with an InitError unless a Matrix homeserver answers at the base URL. */
  async checkReachable(): Promise<void> {
    const versions = await this.call("GET", "/_matrix/client/versions", undefined, {
      anonymous: true,
    }).catch((error: unknown) => {
      if (error instanceof HomeserverRefusal) {
        throw new InitError(
          `${this.baseUrl} is not a Matrix homeserver (GET /_matrix/client/versions answered HTTP ${error.status}); check the homeserver URL (--hs or HS)`,
        );
      }
      throw error;
    });
    if (!Array.isArray(versions.versions)) {
      throw new InitError(
        `${this.baseUrl} is not a Matrix homeserver (no "versions" in GET /_matrix/client/versions); check the homeserver URL (--hs or HS)`,
      );
    }
  }

  /**
   * One request; `path` starts with /_matrix or /_synapse. Resolves with the JSON object of a
   * 2xx; rejects with a HomeserverRefusal for any other answer, an InitError when none comes.
   */
  async call(
    method: Method,
    path: string,
    body?: unknown,
    opts: { anonymous?: boolean } = {},
  ): Promise<Json> {
    const answer = await this.exchange(
      method,
      path,
      body,
      opts.anonymous ? undefined : this.accessToken,
    );
    return isObject(answer) ? answer : {};
  }

  /** A GET whose answer is a JSON array (a room's state). */
  async list(path: string): Promise<unknown[]> {
    const answer = await this.exchange("GET", path, undefined, this.accessToken);
    if (!Array.isArray(answer)) {
      throw new InitError(`GET ${pathOnly(path)}: the homeserver's answer is not a list`);
    }
    return answer;
  }

  private async exchange(
    method: Method,
    path: string,
    body: unknown,
    token: string | undefined,
  ): Promise<unknown> {
    const deadline = Date.now() + RATE_LIMIT_BUDGET_MS;
    for (;;) {
      const headers: Record<string, string> = { accept: "application/json" };
      if (body !== undefined) headers["content-type"] = "application/json";
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      let response: Response;
      let text: string;
      try {
        response = await fetch(this.baseUrl + path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(TIMEOUT_MS),
          redirect: "error",
        });
        text = await response.text();
      } catch (error) {
        // The path only in messages: never a body, which may hold a password.
        throw new InitError(
          `the homeserver at ${this.baseUrl} does not answer (${method} ${pathOnly(path)}: ${describe(error)}); check the URL (--hs or HS) and that the server is up`,
        );
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined; // an HTML error page from a proxy, say
      }
      if (response.ok) return parsed;
      const json = isObject(parsed) ? parsed : {};
      const retryAfterMs =
        typeof json.retry_after_ms === "number"
          ? json.retry_after_ms
          : Number(response.headers.get("retry-after") ?? "1") * 1000;
      if (response.status === 429 && Date.now() + retryAfterMs < deadline) {
        await sleep(Math.max(retryAfterMs || 1000, 50));
        continue;
      }
      const errcode = typeof json.errcode === "string" ? json.errcode : undefined;
      const error = typeof json.error === "string" ? json.error.slice(0, 300) : undefined;
      throw new HomeserverRefusal(
        [`${method} ${pathOnly(path)}: HTTP ${response.status}`, errcode, error]
          .filter(Boolean)
          .join(" "),
        response.status,
        errcode,
      );
    }
  }
}

type Method = "GET" | "POST" | "PUT";

export function isRefusal(error: unknown, ...errcodes: string[]): error is HomeserverRefusal {
  return (
    error instanceof HomeserverRefusal &&
    (errcodes.length === 0 || errcodes.includes(error.errcode ?? ""))
  );
}

export const enc = encodeURIComponent;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function pathOnly(path: string): string {
  const query = path.indexOf("?");
  return query === -1 ? path : path.slice(0, query);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === "TimeoutError") return `no answer within ${TIMEOUT_MS / 1000} s`;
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}
