/**
 * Malformed and random HTTP requests for the sidecar's abuse tests, from a
 * seeded PRNG so that a failure can be replayed (`ANTEROOM_FUZZ_SEED=<n>`).
 * Two kinds: requests a well-behaved client library can still send (through
 * fetch) and raw bytes on a socket (bad request lines, bad header bytes,
 * methods fetch refuses, lying Content-Length).
 */
import { createHmac } from "node:crypto";
import { connect } from "node:net";

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export class Prng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(items.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

export function fuzzSeed(): number {
  const given = process.env.ANTEROOM_FUZZ_SEED;
  if (given !== undefined && given !== "") {
    const seed = Number(given);
    if (!Number.isInteger(seed))
      throw new Error(`ANTEROOM_FUZZ_SEED must be an integer, not ${given}`);
    return seed >>> 0;
  }
  return Math.floor(Math.random() * 2 ** 32);
}

/** Codes the fuzz may put in bodies: the real ones only ever inside a request that must be refused. */
export interface FuzzCodes {
  /** A real signup code (spending it would be a defect). */
  readonly signup: string;
  /** A real invite code. */
  readonly invite: string;
}

export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Uint8Array;
  /** What the answer must be beyond "no 5xx", when the generator knows. */
  readonly expect?: "too_large";
}

export const PUBLIC_PATHS = [
  "/",
  "/join",
  "/join/api",
  "/signup",
  "/signup/api",
  "/healthz",
  "/metrics",
  "/hooks/form",
] as const;

const POST_ROUTES = new Set(["/join/api", "/signup", "/signup/api", "/hooks/form"]);
/** The form webhook's Matrix ID and honeypot fields, as the abuse test configures them. */
export const FORM_FIELDS = { mxid: "mxid", honeypot: "website" } as const;
/** Above every public route's body limit (16 KiB for signup, 64 KiB for the form webhook). */
export const OVERSIZED_BYTES = 80 * 1024;

const UNKNOWN_PATHS = [
  "/admin",
  "/admin/v1/codes",
  "/admin/v1/health",
  "/admin/v1/events",
  "/.env",
  "/signup/api/",
  "/signup/",
  "//signup/api",
  "/SIGNUP/API",
  "/signup/%2e%2e/healthz",
  "/%2e%2e/%2e%2e/etc/passwd",
  "/join/api/../../admin/v1/codes",
  "/signup%00",
  "/metrics.json",
  "/favicon.ico",
  "/robots.txt",
  "/_matrix/client/versions",
  "/hooks/form/x",
  "/%ff%fe",
  "/%",
  "/%zz",
  "/" + "a".repeat(3000),
];

const CONTROL_BYTES = [
  "\u0000",
  "\u0007",
  "\u001b[2J",
  "\u001b]52;c;aGk=\u0007",
  "\r\n",
  "\u009b31m",
  "\u2028",
  "\u202e",
];

const TEXTS = [
  "",
  " ",
  "a",
  "alice",
  "Alice",
  "@alice:localhost",
  "x".repeat(65),
  "ü",
  "😀",
  "../../etc/passwd",
  "<script>alert(1)</script>",
  "' OR 1=1 --",
  "${process.exit()}",
  "{{7*7}}",
  "%00",
  "null",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
];

const CONTENT_TYPES = [
  undefined,
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=utf-16",
  "application/json; charset=bogus",
  "text/plain",
  "text/plain; charset=latin1",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "multipart/form-data",
  "application/xml",
  "application/octet-stream",
  "}{",
  "application/json, text/html",
  "application/" + "j".repeat(2000),
  "",
];

export class FuzzRequests {
  private readonly rng: Prng;
  constructor(
    seed: number,
    private readonly codes: FuzzCodes,
  ) {
    this.rng = new Prng(seed);
  }

  /** A request fetch can send. `clientIp`: the X-Forwarded-For to use for a fresh allowance, if any. */
  next(clientIp: () => string): FuzzRequest {
    const r = this.rng;
    const path = r.chance(0.85) ? r.pick(PUBLIC_PATHS) : this.unknownPath();
    const method = r.chance(0.7)
      ? POST_ROUTES.has(path)
        ? "POST"
        : "GET"
      : r.pick([
          "GET",
          "POST",
          "PUT",
          "DELETE",
          "PATCH",
          "OPTIONS",
          "HEAD",
          "PROPFIND",
          "SEARCH",
          "get",
        ]);
    const headers: Record<string, string> = {};
    this.addForwardedFor(headers, clientIp);
    if (r.chance(0.2))
      headers.accept = r.pick(["*/*", "text/html", "application/json", "image/*", "x"]);
    if (r.chance(0.1)) headers["x-real-ip"] = r.pick(["1.2.3.4", "junk", "::1"]);
    if (r.chance(0.05)) headers.cookie = `session=${this.text()}`.replace(/[^\x20-\x7e]/g, "");
    if (r.chance(0.05)) headers.origin = r.pick(["null", "https://evil.example", "file://"]);
    if (path === "/hooks/form" && r.chance(0.5)) Object.assign(headers, this.forgedSignature());
    const query = r.chance(0.5) ? this.query() : "";
    const canHaveBody = method !== "GET" && method !== "HEAD" && method !== "get";
    if (!canHaveBody || r.chance(0.08)) return { method, path: path + query, headers };
    const oversized = r.chance(0.04);
    const { body, type } = oversized ? this.oversizedBody() : this.body(path);
    const contentType = r.chance(0.75) ? type : r.pick(CONTENT_TYPES);
    if (contentType !== undefined) headers["content-type"] = contentType;
    return {
      method,
      path: path + query,
      headers,
      body,
      // Past the limit, and in a type the route reads: it must be refused for its size.
      ...(oversized && contentType === type && POST_ROUTES.has(path) && method === "POST"
        ? { expect: "too_large" as const }
        : {}),
    };
  }

  /**
   * A POST /hooks/form signed with the webhook's real secret, so that it gets past the signature
   * check to the body, honeypot and Matrix ID checks. Most bodies must be refused; a few carry a
   * well-formed Matrix ID and may queue a request (`mayQueue`).
   */
  nextSignedForm(clientIp: () => string, secret: string): FuzzRequest & { mayQueue?: string } {
    const r = this.rng;
    const headers: Record<string, string> = { "x-forwarded-for": clientIp() };
    let body: Uint8Array;
    let type: string | undefined;
    let mayQueue: string | undefined;
    let oversized = false;
    const roll = r.int(10);
    if (roll === 0) {
      ({ body, type } = this.oversizedBody());
      oversized = true;
    } else if (roll === 1) {
      // The junk bodies the other routes get (never a Matrix ID field).
      ({ body, type } = this.body("/signup/api"));
    } else {
      const form = this.formBody();
      ({ body, type } = form);
      mayQueue = form.wellFormed;
    }
    if (type !== undefined)
      headers["content-type"] = r.chance(0.9) ? type : (r.pick(CONTENT_TYPES) ?? "");
    if (headers["content-type"] === "") delete headers["content-type"];
    const digest = createHmac("sha256", secret).update(body).digest("base64");
    if (r.chance(0.5)) headers["tally-signature"] = digest;
    else headers["typeform-signature"] = `sha256=${digest}`;
    return {
      method: "POST",
      path: "/hooks/form",
      headers,
      body,
      // A content type the server cannot parse is refused before the size is known.
      ...(oversized && headers["content-type"] === type ? { expect: "too_large" as const } : {}),
      ...(mayQueue === undefined ? {} : { mayQueue }),
    };
  }

  /** Raw bytes for a socket: what fetch would refuse to send. Always `Connection: close`. */
  nextRaw(port: number): Uint8Array {
    const r = this.rng;
    const path = r.pick([...PUBLIC_PATHS, ...UNKNOWN_PATHS]);
    const kind = r.int(12);
    const host = `127.0.0.1:${port}`;
    const lines = (requestLine: string, headers: string[], body = ""): Uint8Array =>
      Buffer.concat([
        Buffer.from([requestLine, ...headers, "Connection: close", "", ""].join("\r\n"), "latin1"),
        Buffer.from(body, "latin1"),
      ]);
    switch (kind) {
      case 0: // bytes that are not allowed in a request target
        return Buffer.concat([
          Buffer.from("GET "),
          Buffer.from(path),
          Buffer.from([r.pick([0x00, 0x7f, 0xff, 0x80, 0x1b, 0x0b])]),
          Buffer.from(` HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
        ]);
      case 1: // methods fetch forbids, and nonsense methods
        return lines(
          `${r.pick(["TRACE", "CONNECT", "TRACK", "BREW", "G E T", "", "POST\u0000"])} ${path} HTTP/1.1`,
          [`Host: ${host}`],
        );
      case 2: // a header value with control bytes
        return lines(`GET ${path} HTTP/1.1`, [
          `Host: ${host}`,
          `X-Forwarded-For: 1.2.3.4\u0000\u001b[2J`,
        ]);
      case 3: // Content-Length shorter than the body (the rest reads as a second, broken request)
        return lines(
          `POST ${path} HTTP/1.1`,
          [`Host: ${host}`, "Content-Type: application/json", "Content-Length: 5"],
          '{"code":"x","username":"y"}',
        );
      case 4: // both Content-Length and Transfer-Encoding (request smuggling shape)
        return lines(
          `POST ${path} HTTP/1.1`,
          [
            `Host: ${host}`,
            "Content-Type: application/json",
            "Content-Length: 4",
            "Transfer-Encoding: chunked",
          ],
          "0\r\n\r\n",
        );
      case 5: // a broken chunked body
        return lines(
          `POST ${path} HTTP/1.1`,
          [`Host: ${host}`, "Content-Type: application/json", "Transfer-Encoding: chunked"],
          "zz\r\n{}\r\n0\r\n\r\n",
        );
      case 6: // invalid UTF-8 in the path and query
        return Buffer.concat([
          Buffer.from(`GET ${path}?code=`),
          Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x90, 0x28, 0xbc]),
          Buffer.from(` HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
        ]);
      case 7: // a huge header (past Node's 16 KiB)
        return lines(`GET ${path} HTTP/1.1`, [`Host: ${host}`, `X-Junk: ${"j".repeat(20_000)}`]);
      case 8: // no Host, HTTP/1.0, or a made-up version
        return lines(
          `GET ${path} ${r.pick(["HTTP/1.0", "HTTP/9.9", "HTTP/1.1 extra", "FOO"])}`,
          [],
        );
      case 9: // a body with invalid UTF-8 and NUL, declared as JSON
        return Buffer.concat([
          lines(`POST ${path} HTTP/1.1`, [
            `Host: ${host}`,
            "Content-Type: application/json",
            "Content-Length: 14",
          ]),
          Buffer.from([
            0x7b, 0x22, 0x63, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x00, 0xc0, 0xaf, 0x22, 0x7d, 0x0a,
          ]),
        ]);
      case 10: // an absurd Content-Length
        return lines(
          `POST ${path} HTTP/1.1`,
          [
            `Host: ${host}`,
            "Content-Type: application/json",
            `Content-Length: ${r.pick(["-1", "99999999999999999999", "1e3", "0x10", " 12"])}`,
          ],
          "{}",
        );
      default: // header names with spaces and colons
        return lines(`GET ${path} HTTP/1.1`, [
          `Host: ${host}`,
          "Bad Header: x",
          ": empty-name",
          "X-Forwarded-For 1.2.3.4",
        ]);
    }
  }

  private addForwardedFor(headers: Record<string, string>, clientIp: () => string): void {
    const r = this.rng;
    const roll = r.next();
    if (roll < 0.7) headers["x-forwarded-for"] = clientIp();
    else if (roll < 0.85)
      headers["x-forwarded-for"] = r.pick([
        "unknown",
        "<script>alert(1)</script>",
        "1.2.3.4, , ,",
        ", ,",
        "::ffff:10.0.0.1",
        "2001:db8::1, 127.0.0.1",
        "999.999.999.999",
        "127.0.0.1",
        Array.from({ length: 200 }, (_, i) => `10.0.${i % 250}.${i % 200}`).join(", "),
        "1.2.3.4\t5.6.7.8",
      ]);
    // else: none, so the request counts against the test client's own address
  }

  private unknownPath(): string {
    const r = this.rng;
    if (r.chance(0.7)) return r.pick(UNKNOWN_PATHS);
    const chars = "abcdefghijklmnopqrstuvwxyz0123456789-._~%/";
    let path = "/";
    for (let i = 0, n = 1 + r.int(40); i < n; i++) path += chars[r.int(chars.length)];
    // A lone or broken percent escape is part of the fuzz; fetch sends it as is.
    return path;
  }

  private query(): string {
    const r = this.rng;
    const parts: string[] = [];
    for (let i = 0, n = 1 + r.int(4); i < n; i++) {
      const key = r.pick([
        "code",
        "code[]",
        "code[a]",
        "code.x",
        "__proto__",
        "constructor[prototype][x]",
        "x",
        "",
      ]);
      const value = r.chance(0.5)
        ? encodeLoose(this.text())
        : r.pick(["%zz", "%", "%00", "%ff", "a%2", "", "%E2%80%AE"]);
      parts.push(`${key}=${value}`);
    }
    if (r.chance(0.05)) parts.push(`code=${"c".repeat(5000)}`);
    return `?${parts.join("&")}`;
  }

  /** Some short text, often hostile. Never one of the real codes as it is. */
  private text(): string {
    const r = this.rng;
    const roll = r.int(6);
    if (roll === 0) return r.pick(TEXTS) + r.pick(CONTROL_BYTES);
    if (roll === 1) return "x-" + Math.floor(r.next() * 1e9).toString(36);
    if (roll === 2) return r.pick(TEXTS);
    if (roll === 3) return "y".repeat(r.int(3000));
    if (roll === 4) {
      let s = "";
      for (let i = 0, n = r.int(40); i < n; i++) s += String.fromCharCode(r.int(0x3000));
      return s;
    }
    return "\ud800" + r.pick(TEXTS); // a lone surrogate
  }

  /** A signature header that is not the right one: made up, malformed, or for another body. */
  private forgedSignature(): Record<string, string> {
    const r = this.rng;
    const made = Buffer.from(Array.from({ length: 32 }, () => r.int(256))).toString("base64");
    return r.pick<Record<string, string>>([
      { "tally-signature": made },
      { "typeform-signature": `sha256=${made}` },
      { "typeform-signature": made },
      { "tally-signature": "" },
      { "tally-signature": "%%%not base64" },
      { "typeform-signature": "sha256=" },
      { "tally-signature": made.slice(0, 10) },
    ]);
  }

  /**
   * What the form field for the Matrix ID might hold: mostly not a Matrix ID (hostile text, IDs
   * with a piece missing or a control character), sometimes a fresh well-formed one.
   */
  private formMxid(): { value: unknown; wellFormed?: string } {
    const r = this.rng;
    const roll = r.int(10);
    if (roll === 0) {
      const user = `@fuzz-${Math.floor(r.next() * 1e9).toString(36)}:example.org`;
      return { value: r.chance(0.5) ? user : ` ${user.slice(1)} `, wellFormed: user };
    }
    if (roll < 5) {
      return {
        value: r.pick([
          "@alice",
          "alice:",
          "@:example.org",
          "@ali ce:example.org",
          "@alice:example.org\u0000",
          "@alice:exa\nmple.org",
          "@alice:exa mple.org",
          "@älice:example.org",
          "@alice:" + "e".repeat(300),
          "@" + "a".repeat(300) + ":example.org",
          "@alice:example.org\u202e",
          "",
          "   ",
        ]),
      };
    }
    const value = this.value();
    // Random text from the shared list can be a Matrix ID ("@alice:localhost"): say so.
    const text = typeof value === "string" ? value.trim() : undefined;
    const looksValid = text !== undefined && /^@?[\x21-\x39\x3b-\x7e]+:[\x21-\x7e]+$/.test(text);
    return looksValid ? { value, wellFormed: text.startsWith("@") ? text : `@${text}` } : { value };
  }

  /** A Tally, Typeform or plain form body for the webhook, at times with the honeypot filled. */
  private formBody(): { body: Uint8Array; type: string; wellFormed?: string } {
    const r = this.rng;
    const mxid = this.formMxid();
    const honeypot = r.chance(0.2) ? { filled: this.value() } : undefined;
    // Said even when the honeypot is filled (then nothing may happen): a bound, not a prediction.
    const wellFormed = mxid.wellFormed;
    const extras = r.chance(0.3) ? { [r.pick(["__proto__", "data", "x"])]: this.value() } : {};
    const json = (value: unknown) => ({
      body: Buffer.from(JSON.stringify(value)),
      type: "application/json",
      ...(wellFormed === undefined ? {} : { wellFormed }),
    });
    switch (r.int(4)) {
      case 0:
        return json({
          ...extras,
          [FORM_FIELDS.mxid]: mxid.value,
          ...(honeypot ? { [FORM_FIELDS.honeypot]: honeypot.filled } : {}),
        });
      case 1:
        return json({
          eventType: "FORM_RESPONSE",
          data: {
            fields: [
              { key: "question_1", label: FORM_FIELDS.mxid, value: mxid.value },
              ...(honeypot ? [{ key: FORM_FIELDS.honeypot, value: honeypot.filled }] : []),
              ...(r.chance(0.3) ? [this.value()] : []),
            ],
          },
        });
      case 2:
        return json({
          form_response: {
            definition: { fields: [{ id: "f1", title: FORM_FIELDS.mxid }, this.value()] },
            answers: [
              { field: { id: "f1" }, type: "text", text: mxid.value },
              ...(honeypot
                ? [{ field: { ref: FORM_FIELDS.honeypot }, type: "text", text: honeypot.filled }]
                : []),
            ],
          },
        });
      default: {
        const text =
          typeof mxid.value === "string" ? mxid.value : (JSON.stringify(mxid.value) ?? "");
        const pot =
          honeypot && typeof honeypot.filled === "string"
            ? `&${FORM_FIELDS.honeypot}=${encodeLoose(honeypot.filled)}`
            : "";
        return {
          body: Buffer.from(`${FORM_FIELDS.mxid}=${encodeLoose(text)}${pot}`),
          type: "application/x-www-form-urlencoded",
          ...(wellFormed === undefined ? {} : { wellFormed }),
        };
      }
    }
  }

  /** A value of any JSON type. */
  private value(depth = 0): unknown {
    const r = this.rng;
    switch (r.int(depth > 2 ? 5 : 8)) {
      case 0:
        return this.text();
      case 1:
        return r.pick([0, -1, 1e308, 3.14, Number.MAX_SAFE_INTEGER + 2]);
      case 2:
        return r.pick([true, false]);
      case 3:
        return null;
      case 4:
        return "";
      case 5:
        return [this.value(depth + 1), this.value(depth + 1)];
      case 6:
        return { [r.pick(["code", "__proto__", "x"])]: this.value(depth + 1) };
      default:
        return { toString: this.text(), valueOf: 1 };
    }
  }

  /** A password that passes the length check, or one that does not. */
  private password(): unknown {
    const r = this.rng;
    return r.chance(0.5)
      ? `pw-${Math.floor(r.next() * 1e12).toString(36)}-long-enough`
      : this.value();
  }

  /** A body for `path`, with the content type a client would send for it. */
  private body(path: string): { body: Uint8Array; type: string | undefined } {
    const r = this.rng;
    const json = (value: unknown): { body: Uint8Array; type: string } => ({
      body: Buffer.from(typeof value === "string" ? value : JSON.stringify(value)),
      type: "application/json",
    });
    const signupFields = (): Record<string, unknown> => {
      // The real code only with a username that must be refused, so nothing may be spent.
      const realCode = r.chance(0.3);
      return {
        code: realCode
          ? r.pick([this.codes.signup, this.codes.signup.toLowerCase(), ` ${this.codes.signup} `])
          : this.value(),
        username: realCode
          ? r.pick(["Upper", "@a:b", "has space", "x".repeat(65), "", "é"])
          : r.chance(0.5)
            ? `u-${r.int(1e9)}`
            : this.value(),
        password: this.password(),
        ...(r.chance(0.3) ? { display_name: this.value() } : {}),
      };
    };
    // Unsigned here, so the form webhook refuses these whatever the body; its shapes still vary.
    if (path === "/hooks/form" && r.chance(0.5)) return this.formBody();
    switch (r.int(14)) {
      case 0:
        return json(signupFields());
      case 1: // the fields under prototype-pollution keys, where a careless merge would find them
        return json(
          r.pick([
            `{"__proto__":{"code":"${this.codes.signup}","username":"proto-user","password":"long enough password"}}`,
            `{"constructor":{"prototype":{"code":"${this.codes.signup}","username":"proto-user","password":"long enough password"}}}`,
            `{"__proto__":{"code":"${this.codes.invite}"}}`,
            `{"constructor":{"prototype":{"code":"${this.codes.invite}"}}}`,
            `{"__proto__":null,"code":null}`,
            `{"code":{"__proto__":{"toString":"x"}}}`,
          ]),
        );
      case 2: // the real invite code, only in shapes that must be refused
        return json(
          r.pick([
            { code: [this.codes.invite] },
            { code: { [this.codes.invite]: 1 } },
            { Code: this.codes.invite },
            `{"code":"${this.codes.invite}"`,
            `{"code":"${this.codes.invite}"}}`,
            `"${this.codes.invite}"`,
          ]),
        );
      case 3: // a random code for the lobby
        return json(r.chance(0.5) ? { code: this.value() } : this.value());
      case 4: // not JSON
        return json(
          r.pick([
            "{",
            "}",
            "[",
            "{'code':'x'}",
            "{code: 1}",
            "NaN",
            "undefined",
            '{"code":"x",}',
            '{"a":1}{"b":2}',
            "\ufeff{}",
            "\u0000",
            '{"code":"\\ud800"}',
            '{"code":"\\u0000"}',
          ]),
        );
      case 5: // deep nesting, within the size limit
        return json(
          r.chance(0.5)
            ? "[".repeat(8000) + "]".repeat(8000)
            : '{"a":'.repeat(2000) + "1" + "}".repeat(2000),
        );
      case 6: // a long string just under the limit
        return json({ code: "x-" + "z".repeat(15_000), username: "u", password: "p" });
      case 7: // invalid UTF-8 as the body
        return {
          body: Buffer.concat([
            Buffer.from('{"code":"'),
            Buffer.from([0xff, 0xfe, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0x00]),
            Buffer.from('","username":"u","password":"long enough password"}'),
          ]),
          type: r.pick(["application/json", "application/x-www-form-urlencoded"]),
        };
      case 8: // a form body with hostile and repeated fields
        return {
          body: Buffer.from(
            r.pick([
              `code=${encodeLoose(this.codes.signup)}&username=Upper&password=long+enough+password`,
              `code=a&code=b&username=u&username=v&password=x`,
              `__proto__[code]=${this.codes.signup}&username=proto&password=long+enough+password`,
              `constructor[prototype][code]=x`,
              `code=%zz&username=%&password=%00`,
              `code=${encodeLoose(this.text())}&username=${encodeLoose(this.text())}&password=${encodeLoose(JSON.stringify(this.password()) ?? "")}`,
              "=&&&==",
              "code",
            ]),
          ),
          type: "application/x-www-form-urlencoded",
        };
      case 9: // a multipart body
        return {
          body: Buffer.from(
            `--xyz\r\nContent-Disposition: form-data; name="code"\r\n\r\n${this.codes.signup}\r\n--xyz--\r\n`,
          ),
          type: "multipart/form-data; boundary=xyz",
        };
      case 10: // random bytes
        return {
          body: Buffer.from(Array.from({ length: r.int(512) }, () => r.int(256))),
          type: undefined,
        };
      case 11: // an empty body
        return {
          body: new Uint8Array(0),
          type: r.pick(["application/json", "application/x-www-form-urlencoded", "text/plain"]),
        };
      case 12: // wrong types for every field
        return json({
          code: this.value(),
          username: this.value(),
          password: this.value(),
          display_name: this.value(),
        });
      default:
        return json(path.startsWith("/join") ? { code: this.value() } : signupFields());
    }
  }

  private oversizedBody(): { body: Uint8Array; type: string } {
    const r = this.rng;
    const size = OVERSIZED_BYTES + r.int(OVERSIZED_BYTES);
    return r.chance(0.5)
      ? {
          body: Buffer.from(
            JSON.stringify({ code: "x-" + "a".repeat(size), username: "u", password: "p" }),
          ),
          type: "application/json",
        }
      : {
          body: Buffer.from(`code=${"b".repeat(size)}`),
          type: "application/x-www-form-urlencoded",
        };
  }
}

export interface RawAnswer {
  /** Every status code in what came back (several when the bytes read as several requests). */
  readonly statuses: number[];
  readonly text: string;
  /** The server neither answered nor closed before the deadline. */
  readonly timedOut: boolean;
}

/** Writes the bytes, half-closes, and reads until the server closes (or the deadline). */
export function sendRaw(port: number, bytes: Uint8Array, timeoutMs = 5_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (timedOut: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
      resolve({ statuses, text, timedOut });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => finish(false));
    socket.on("close", () => finish(false));
    socket.on("error", () => finish(false));
    socket.on("connect", () => {
      socket.end(bytes);
    });
  });
}

/** encodeURIComponent that does not throw on a lone surrogate (it becomes U+FFFD, as a browser sends it). */
function encodeLoose(text: string): string {
  const wellFormed = text.replace(
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    "\ufffd",
  );
  return encodeURIComponent(wellFormed);
}
