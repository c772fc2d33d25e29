/**
 * `fetch` for the bot's Matrix clients, made on Node's own HTTP client (`node:http`, and
 * `node:https` for an https homeserver) instead of the global `fetch`.
 *
 * Why: the global `fetch` is undici, which on its first request loads itself, Node's TLS, HTTP/2
 * and zlib modules and a WebAssembly HTTP parser: about 15 MB resident for the life of the daemon,
 * whatever the homeserver's scheme, and ~0.8 ms of CPU a request against ~0.2 for `node:http` (a
 * loop of requests to a local server, measured side by side). The daemon makes a few requests per
 * knock and holds a /sync long-poll open for good, so both show in its figures
 * (docs/performance.md).
 *
 * What it covers is what matrix-js-sdk's FetchHttpApi uses: method, headers and a string or
 * binary body; an AbortSignal; redirects followed; a response with `ok`, `status`, `url`,
 * `headers.get` and the body as JSON, text, a Blob or an ArrayBuffer. Anything else is refused
 * with a TypeError rather than sent wrong.
 */
import type { IncomingMessage, RequestOptions } from "node:http";
import * as http from "node:http";

const MAX_REDIRECTS = 5;
const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** One connection pool per scheme, kept alive between requests as `fetch`'s is. */
const plainHttp = { agent: new http.Agent({ keepAlive: true }), request: http.request };
let httpsModule: Promise<{ agent: http.Agent; request: typeof http.request }> | undefined;

/** `node:https` (and TLS under it) is loaded only for an https homeserver. */
function https(): Promise<{ agent: http.Agent; request: typeof http.request }> {
  httpsModule ??= import("node:https").then((mod) => ({
    agent: new mod.Agent({ keepAlive: true }),
    request: mod.request,
  }));
  return httpsModule;
}

export const nodeHttpFetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
  if (typeof input !== "string" && !(input instanceof URL))
    throw new TypeError("nodeHttpFetch takes a URL, not a Request");
  let url = new URL(input);
  let method = (init.method ?? "GET").toUpperCase();
  let payload = await bodyBytes(init.body);
  const headers = headersOf(init.headers);
  for (let hop = 0; ; hop++) {
    const response = await send(url, method, headers, payload, init.signal);
    const location = response.headers.location;
    if (!REDIRECTS.has(response.statusCode ?? 0) || !location || init.redirect === "manual")
      return new NodeHttpResponse(response, url);
    response.resume();
    if (init.redirect === "error" || hop >= MAX_REDIRECTS)
      throw new TypeError(`too many redirects, or a redirect where none was allowed: ${url.href}`);
    const next = new URL(location, url);
    // As fetch does: the access token is not handed to another origin.
    if (next.origin !== url.origin)
      for (const name of Object.keys(headers))
        if (name.toLowerCase() === "authorization") delete headers[name];
    url = next;
    // As fetch does: a 303, or a 301/302 answering a POST, is followed with a GET without a body.
    if (
      response.statusCode === 303 ||
      (response.statusCode !== 307 && response.statusCode !== 308 && method === "POST")
    ) {
      method = "GET";
      payload = undefined;
    }
  }
}) as unknown as typeof globalThis.fetch;

/**
 * One request. A kept-alive connection the server has just closed fails at once with a reset; the
 * request never reached the server then, so it is sent once more on a fresh connection.
 */
async function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  signal: AbortSignal | null | undefined,
): Promise<IncomingMessage> {
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new TypeError(`nodeHttpFetch cannot fetch ${url.protocol} URLs`);
  const client = url.protocol === "https:" ? await https() : plainHttp;
  const options: RequestOptions = {
    method,
    headers: body ? { ...headers, "content-length": String(body.length) } : headers,
    agent: client.agent,
  };
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    const answer = await new Promise<IncomingMessage | "stale">((resolve, reject) => {
      const request = client.request(url, options, resolve);
      request.on("error", (error) => {
        if (attempt === 0 && request.reusedSocket && isReset(error)) resolve("stale");
        // As fetch does: the network's error as the cause of a TypeError.
        else
          reject(
            signal?.aborted ? abortReason(signal) : new TypeError("fetch failed", { cause: error }),
          );
      });
      if (signal) {
        // Also ends an answer still being read: its body then fails with the same reason.
        const onAbort = (): void => void request.destroy(abortReason(signal) as Error);
        signal.addEventListener("abort", onAbort, { once: true });
        request.on("close", () => signal.removeEventListener("abort", onAbort));
      }
      request.end(body);
    });
    if (answer !== "stale") return answer;
  }
}

function isReset(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ECONNRESET" || code === "EPIPE";
}

/** What `fetch` rejects with when aborted: the signal's reason, an AbortError by default. */
function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

function headersOf(headers: RequestInit["headers"]): Record<string, string> {
  if (headers === undefined) return {};
  if (Array.isArray(headers) || Symbol.iterator in headers)
    return Object.fromEntries(headers as Iterable<[string, string]>);
  return { ...(headers as Record<string, string>) };
}

async function bodyBytes(body: RequestInit["body"]): Promise<Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (body instanceof Blob) return Buffer.from(await body.arrayBuffer());
  throw new TypeError("nodeHttpFetch sends a string, bytes or a Blob; this body is none of them");
}

/** The part of `Response` matrix-js-sdk reads. The body is read in full as it arrives. */
class NodeHttpResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly headers: ResponseHeaders;
  private readonly bytes: Promise<Buffer>;

  constructor(message: IncomingMessage, url: URL) {
    this.status = message.statusCode ?? 0;
    this.ok = this.status >= 200 && this.status < 300;
    this.statusText = message.statusMessage ?? "";
    this.url = url.href;
    this.headers = new ResponseHeaders(message.headers);
    this.bytes = new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      message.on("data", (chunk: Buffer) => chunks.push(chunk));
      message.on("end", () =>
        resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
      );
      message.on("error", reject);
      message.on("close", () => {
        if (!message.complete) reject(new Error(`the connection closed mid-answer: ${url.href}`));
      });
    });
    // Read by the caller later; an error before then must not count as unhandled.
    this.bytes.catch(() => undefined);
  }

  async text(): Promise<string> {
    return (await this.bytes).toString("utf8");
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes;
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async blob(): Promise<Blob> {
    return new Blob([await this.bytes], { type: this.headers.get("content-type") ?? "" });
  }
}

/** `Headers`' reading half, over Node's lower-cased header object. */
class ResponseHeaders {
  constructor(private readonly raw: http.IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(", ") : value;
  }

  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const name of Object.keys(this.raw)) callback(this.get(name) ?? "", name);
  }
}
