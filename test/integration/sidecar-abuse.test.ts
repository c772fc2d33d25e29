// Abuse resistance of the public sidecar, against a real Synapse and the real daemon process:
// a seeded fuzz of malformed requests, the one-use redeem race, the per-IP rate limit, trust of
// X-Forwarded-For, and the admin API kept off the public port.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile, readdir, stat } from "node:fs/promises";
import { request } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon, freePort } from "../harness/daemon.js";
import {
  FORM_FIELDS,
  FuzzRequests,
  OVERSIZED_BYTES,
  fuzzSeed,
  sendRaw,
  type FuzzRequest,
} from "../harness/fuzz-http.js";
import { listeningTcpPorts } from "../harness/listening-ports.js";
import { REQUEST_TIMEOUT_MS } from "../../src/http/public/server.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const RATE = 5;
const SIGNUP_CODES = {
  FUZZSIGNUP: { uses_remaining: 5, label: "fuzz" },
  RACE: { uses_remaining: 1, label: "race" },
  BURST: { uses_remaining: 3, label: "burst" },
};
const INVITE_CODES = { FUZZINVITE: { uses_remaining: 5, label: "fuzz" } };
/** The form webhook's secret: the main fuzz never signs, so every form post it makes is refused. */
const FORM_SECRET = randomBytes(16).toString("hex");
/** Files of the data dir that no refused request may change (the audit log and sync state may). */
const GUARDED_FILES = ["codes.json", "signup_codes.json", "lobby.json", "vetting.json"];

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;
let drip: ReturnType<typeof startDrippingRequest> & { startedAt: number };

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 1 });
  daemon = await TestDaemon.start(hs, community, {
    env: {
      REGISTRATION_TOKEN: hs.registrationToken,
      INITIAL_SIGNUP_CODES: JSON.stringify(SIGNUP_CODES),
      INITIAL_CODES: JSON.stringify(INVITE_CODES),
      HS_PUBLIC: "https://chat.example.test",
      SIGNUP_RATE_PER_MIN: String(RATE),
      FORM_SECRET,
      FORM_MODE: "queue",
      FORM_FIELD_MXID: FORM_FIELDS.mxid,
      FORM_HONEYPOT_FIELD: FORM_FIELDS.honeypot,
      // The test client on 127.0.0.1 stands in for an ingress; 127.0.0.2 is a client that is not one.
      TRUSTED_PROXIES: "127.0.0.1",
    },
  });
  drip = { ...startDrippingRequest(daemon.port), startedAt: Date.now() };
});

after(async () => {
  drip?.stop();
  await daemon?.stop();
  await hs?.stop();
});

let nextClient = 1;
/** A fresh client address, so a request has its own rate allowance. */
function clientIp(): string {
  const n = nextClient++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

const username = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

async function send(
  path: string,
  init: { method?: string; body?: string; type?: string; ip?: string } = {},
): Promise<Answer> {
  const res = await fetch(`${daemon.url}${path}`, {
    method: init.method ?? "POST",
    headers: {
      ...(init.body !== undefined ? { "content-type": init.type ?? "application/json" } : {}),
      "x-forwarded-for": init.ip ?? clientIp(),
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // a page
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A POST from 127.0.0.2: a client that is not a trusted proxy, claiming another address. */
function postFromUntrusted(path: string, body: string, forwardedFor: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: daemon.port,
        localAddress: "127.0.0.2",
        method: "POST",
        path,
        agent: false,
        headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function signupBook(): Promise<Record<string, { uses_remaining: number }>> {
  return JSON.parse(await readFile(join(daemon.dataDir, "signup_codes.json"), "utf8")) as Record<
    string,
    { uses_remaining: number }
  >;
}

async function guardedFiles(): Promise<Map<string, string>> {
  const present = new Set(await readdir(daemon.dataDir));
  const out = new Map<string, string>();
  for (const name of GUARDED_FILES) {
    out.set(
      name,
      present.has(name) ? await readFile(join(daemon.dataDir, name), "latin1") : "(absent)",
    );
  }
  return out;
}

async function auditRecords(): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(daemon.dataDir, "log.jsonl"), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function login(user: string, password: string): Promise<number> {
  const res = await fetch(`${hs.url}/_matrix/client/v3/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      type: "m.login.password",
      identifier: { type: "m.id.user", user },
      password,
    }),
  });
  await res.body?.cancel();
  return res.status;
}

/** Whether the homeserver has no such account (asked as its admin; /register/available is throttled). */
async function noAccount(name: string): Promise<boolean> {
  const res = await fetch(
    `${hs.url}/_synapse/admin/v2/users/${encodeURIComponent(`@${name}:${hs.serverName}`)}`,
    { headers: { authorization: `Bearer ${hs.admin.accessToken}` } },
  );
  await res.body?.cancel();
  if (res.status !== 200 && res.status !== 404)
    throw new Error(`admin users lookup: ${res.status}`);
  return res.status === 404;
}

/** Runs `work` over `items` with at most `width` in flight. */
async function pool<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>) {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i] as T);
      }
    }),
  );
  return results;
}

/** What no answer may show: a stack frame, a source location, where the code or data lives. */
function leaks(text: string): string | undefined {
  const patterns: [string, RegExp][] = [
    ["a stack frame", /\n\s+at [^\n]*\(|^\s*at [\w.<>]+ \(/m],
    ["a source location", /\.(?:ts|js|mjs|cjs):\d+:\d+/],
    ["node_modules", /node_modules/],
    ["a stack field", /"stack"\s*:/],
  ];
  for (const [what, pattern] of patterns) if (pattern.test(text)) return what;
  for (const path of [REPO, daemon.dataDir]) if (text.includes(path)) return `the path ${path}`;
  return undefined;
}

/** Why an answer to a fuzz request is wrong, or undefined when it is fine. */
function judge(req: FuzzRequest, status: number, type: string, text: string): string | undefined {
  if (status >= 500) return `status ${status}`;
  const leak = leaks(text);
  if (leak) return `the answer shows ${leak}`;
  if (req.expect === "too_large" && status !== 413 && status !== 429 && status !== 404)
    return `an oversized body got ${status}, not 413`;
  if (status < 400 || req.method === "HEAD") return undefined;
  if (type.includes("application/json")) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return "an error body that is not JSON";
    }
    const { error, message } = (body ?? {}) as Record<string, unknown>;
    if (typeof error !== "string" || typeof message !== "string")
      return "an error body without {error, message}";
    return undefined;
  }
  if (type.includes("text/html") && /<!doctype html>/i.test(text)) return undefined;
  return `an error answer that is neither JSON nor a page (${type || "no content type"})`;
}

test("10,000 malformed and random requests: no 5xx, no leaks, the daemon lives, nothing is spent", async () => {
  const seed = fuzzSeed();
  console.log(`fuzz seed ${seed} (replay with ANTEROOM_FUZZ_SEED=${seed})`);
  const before = await guardedFiles();
  const auditBefore = (await auditRecords()).length;
  const fuzz = new FuzzRequests(seed, { signup: "FUZZSIGNUP", invite: "FUZZINVITE" });
  const FETCH_REQUESTS = 9_000;
  const RAW_REQUESTS = 1_200;
  const requests = Array.from({ length: FETCH_REQUESTS }, () => fuzz.next(clientIp));
  const raws = Array.from({ length: RAW_REQUESTS }, () => fuzz.nextRaw(daemon.port));

  const statuses = new Map<number, number>();
  const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
  const failures: string[] = [];
  let refusedByClient = 0;
  const started = Date.now();

  await pool(
    requests.map((req, index) => ({ req, index })),
    16,
    async ({ req, index }) => {
      let res: Response;
      try {
        res = await fetch(`${daemon.url}${req.path}`, {
          method: req.method,
          headers: req.headers,
          ...(req.body ? { body: req.body } : {}),
          signal: AbortSignal.timeout(30_000),
        });
      } catch (error) {
        // fetch refusing to build the request is the client's rule, not the server's answer.
        if (error instanceof TypeError && error.message !== "fetch failed") {
          refusedByClient++;
          return;
        }
        failures.push(
          `#${index} ${req.method} ${req.path.slice(0, 80)}: no answer (${String(error)})`,
        );
        return;
      }
      const text = await res.text();
      count(res.status);
      const wrong = judge(req, res.status, res.headers.get("content-type") ?? "", text);
      if (wrong)
        failures.push(
          `#${index} ${req.method} ${req.path.slice(0, 80)} [${req.headers["content-type"] ?? "-"}]: ${wrong}: ${text.slice(0, 200)}`,
        );
    },
  );

  let rawTimeouts = 0;
  await pool(
    raws.map((bytes, index) => ({ bytes, index })),
    8,
    async ({ bytes, index }) => {
      const answer = await sendRaw(daemon.port, bytes);
      if (answer.timedOut) rawTimeouts++;
      for (const status of answer.statuses) count(status);
      const head = Buffer.from(bytes)
        .toString("latin1")
        .slice(0, 60)
        .replace(/[^\x20-\x7e]/g, "?");
      if (answer.statuses.some((s) => s >= 500))
        failures.push(`raw #${index} ${head}: ${answer.text.slice(0, 200)}`);
      const leak = leaks(answer.text);
      if (leak) failures.push(`raw #${index} ${head}: the answer shows ${leak}`);
    },
  );
  const seconds = (Date.now() - started) / 1000;
  const total = FETCH_REQUESTS - refusedByClient + RAW_REQUESTS;
  console.log(
    `fuzz: ${total} requests in ${seconds.toFixed(1)} s (${refusedByClient} refused by fetch itself, ${rawTimeouts} raw without an answer); statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`,
  );
  assert.deepEqual(failures.slice(0, 20), [], `seed ${seed}: ${failures.length} bad answers`);
  assert.ok(total >= 10_000, `only ${total} requests were sent`);
  // The validation paths were reached, not only the rate limiter.
  assert.ok((statuses.get(400) ?? 0) > 1000, "many 400s");
  assert.ok((statuses.get(413) ?? 0) > 50, "oversized bodies got 413");
  assert.ok((statuses.get(429) ?? 0) > 0, "some 429s");
  assert.ok((statuses.get(401) ?? 0) > 100, "unsigned form posts got 401");

  // Still alive and ready, and nothing was spent.
  assert.ok(daemon.pid !== undefined);
  process.kill(daemon.pid, 0);
  const health = await fetch(`${daemon.url}/healthz`);
  assert.equal(health.status, 200, await health.text());
  assert.deepEqual(await guardedFiles(), before, "the code books and records are byte-identical");
  const added = (await auditRecords()).slice(auditBefore);
  const spent = added.filter((r) => !/failed|refused|rejected|denied/.test(String(r.type)));
  assert.deepEqual(spent, [], "no audit record of anything granted");
  const errors = daemon.logs.filter((line) => typeof line.level === "number" && line.level >= 50);
  assert.deepEqual(errors.slice(0, 5), [], "no error logged");
});

test("signed form posts with hostile bodies: no 5xx, refused or queued, never a code spent or anyone invited", async () => {
  const seed = fuzzSeed();
  console.log(`signed form fuzz seed ${seed} (replay with ANTEROOM_FUZZ_SEED=${seed})`);
  const readVetting = async () =>
    JSON.parse(
      await readFile(join(daemon.dataDir, "vetting.json"), "utf8").catch(() => "{}"),
    ) as Record<string, Record<string, unknown>>;
  const before = await guardedFiles();
  const vettingBefore = await readVetting();
  const auditBefore = (await auditRecords()).length;
  const fuzz = new FuzzRequests(seed, { signup: "FUZZSIGNUP", invite: "FUZZINVITE" });
  const requests = Array.from({ length: 1_500 }, () => fuzz.nextSignedForm(clientIp, FORM_SECRET));
  const mayQueue = new Set(requests.flatMap((r) => (r.mayQueue ? [r.mayQueue] : [])));

  const statuses = new Map<number, number>();
  const outcomes = new Map<string, number>();
  const failures: string[] = [];
  await pool(
    requests.map((req, index) => ({ req, index })),
    8,
    async ({ req, index }) => {
      const res = await fetch(`${daemon.url}${req.path}`, {
        method: req.method,
        headers: req.headers,
        ...(req.body ? { body: req.body } : {}),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const where = `#${index} [${req.headers["content-type"] ?? "-"}] ${Buffer.from(req.body ?? [])
        .toString("utf8")
        .slice(0, 120)}`;
      const wrong = judge(req, res.status, res.headers.get("content-type") ?? "", text);
      if (wrong) return void failures.push(`${where}: ${wrong}: ${text.slice(0, 200)}`);
      if (![200, 400, 413, 429].includes(res.status))
        return void failures.push(`${where}: status ${res.status}: ${text.slice(0, 200)}`);
      if (res.status !== 200) return;
      const outcome = String((JSON.parse(text) as { status?: unknown }).status);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      if (outcome !== "accepted" && !req.mayQueue)
        failures.push(`${where}: "${outcome}" for a body without a well-formed Matrix ID`);
      // "duplicate": the fuzzer sent a submission (same id or same plain body) it sent before.
      if (!["accepted", "queued", "pending", "duplicate"].includes(outcome))
        failures.push(`${where}: "${outcome}" in queue mode`);
    },
  );
  console.log(
    `signed form fuzz: statuses ${JSON.stringify(Object.fromEntries(statuses))}, outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`,
  );
  assert.deepEqual(failures.slice(0, 20), [], `seed ${seed}: ${failures.length} bad answers`);
  // Each refusal path was reached.
  assert.ok((statuses.get(400) ?? 0) > 300, "many 400s (bad body, missing or bad Matrix ID)");
  assert.ok((statuses.get(413) ?? 0) > 10, "oversized bodies got 413");
  assert.ok((outcomes.get("accepted") ?? 0) > 10, "filled honeypots were answered accepted");

  // The code books and lobbies are untouched; vetting.json only gained held form requests.
  const after = await guardedFiles();
  for (const name of ["codes.json", "signup_codes.json", "lobby.json"])
    assert.equal(after.get(name), before.get(name), `${name} is byte-identical`);
  const vetting = await readVetting();
  for (const [key, record] of Object.entries(vettingBefore))
    assert.deepEqual(vetting[key], record, `the record ${key} is unchanged`);
  const added = Object.entries(vetting).filter(([key]) => !Object.hasOwn(vettingBefore, key));
  for (const [key, record] of added) {
    assert.equal(record.source, "form", key);
    assert.equal(record.phase, "held", key);
    assert.ok(mayQueue.has(String(record.user)), `${key}: a request for ${String(record.user)}`);
  }
  assert.ok(added.length <= (outcomes.get("queued") ?? 0), "no more records than queued answers");
  const auditAdded = (await auditRecords()).slice(auditBefore);
  const types = new Set(auditAdded.map((r) => String(r.type)));
  for (const type of types)
    assert.ok(
      ["form_request_queued", "form_honeypot", "form_blocked"].includes(type),
      `unexpected audit record ${type}`,
    );
  const errors = daemon.logs.filter((line) => typeof line.level === "number" && line.level >= 50);
  assert.deepEqual(errors.slice(0, 5), [], "no error logged");
});

test("100 parallel signups with a one-use code: exactly one account, 99 × 403 invalid_code", async () => {
  assert.equal((await signupBook()).RACE?.uses_remaining, 1);
  const password = "race password 123";
  const names = Array.from({ length: 100 }, (_, i) => username(`race${i}`));
  const answers = await Promise.all(
    names.map((name) =>
      send("/signup/api", { body: JSON.stringify({ code: "RACE", username: name, password }) }),
    ),
  );
  const statuses = answers.map((a) => a.status);
  assert.equal(statuses.filter((s) => s === 200).length, 1, JSON.stringify(statuses));
  const refused = answers.filter((a) => a.status === 403);
  assert.equal(refused.length, 99, JSON.stringify(statuses));
  for (const a of refused) assert.equal(a.json.error, "invalid_code");
  assert.equal((await signupBook()).RACE?.uses_remaining, 0);

  const winnerIndex = statuses.indexOf(200);
  const winner = names[winnerIndex] as string;
  assert.equal(answers[winnerIndex]?.json.user_id, `@${winner}:${hs.serverName}`);
  const logins = await pool(names, 8, (name) => login(name, password));
  assert.deepEqual(
    names.filter((_, i) => logins[i] === 200),
    [winner],
    "only the winner can log in",
  );
  const free = await pool(names, 8, noAccount);
  assert.equal(free.filter(Boolean).length, 99, "the 99 other usernames are still free");
  assert.equal(free[winnerIndex], false);
});

test("a burst past the per-IP limit gets 429 with Retry-After, and nothing is spent", async () => {
  const ip = clientIp();
  // The allowance goes on refusals that spend nothing…
  for (let i = 0; i < RATE; i++) {
    const res = await send("/signup/api", {
      ip,
      body: JSON.stringify({ code: "BURST", username: "Not Valid", password: "a good password" }),
    });
    assert.equal(res.status, 400, res.text);
  }
  const usesBefore = (await signupBook()).BURST?.uses_remaining;
  const auditBefore = (await auditRecords()).length;
  const password = "burst password 123";
  const names = Array.from({ length: 12 }, (_, i) => username(`burst${i}`));
  // …then a burst of valid signups from that address, on the API and the form.
  const burst = await Promise.all(
    names.map((name, i) =>
      i % 3 === 2
        ? send("/signup", {
            ip,
            type: "application/x-www-form-urlencoded",
            body: new URLSearchParams({ code: "BURST", username: name, password }).toString(),
          })
        : send("/signup/api", {
            ip,
            body: JSON.stringify({ code: "BURST", username: name, password }),
          }),
    ),
  );
  for (const res of burst) {
    assert.equal(res.status, 429, res.text.slice(0, 300));
    const retryAfter = Number(res.headers.get("retry-after"));
    assert.ok(Number.isInteger(retryAfter) && retryAfter > 0, `Retry-After ${retryAfter}`);
  }
  const api = burst[0] as Answer;
  assert.equal(api.json.error, "rate_limited");
  assert.equal(typeof api.json.message, "string");

  assert.equal((await signupBook()).BURST?.uses_remaining, usesBefore, "no use spent");
  assert.deepEqual((await auditRecords()).slice(auditBefore), [], "nothing happened");
  for (const name of names) {
    assert.equal(await login(name, password), 403, `${name} has no account`);
    assert.equal(await noAccount(name), true);
  }
});

test("X-Forwarded-For is believed only from a trusted proxy", async () => {
  const refusedBody = JSON.stringify({ code: "BURST", username: "Not Valid", password: "x" });
  // From the trusted proxy, each forwarded address has its own allowance: never limited.
  for (let i = 0; i < RATE + 3; i++) {
    const res = await send("/signup/api", { body: refusedBody });
    assert.equal(res.status, 400);
  }
  // From anyone else, the claimed address is ignored: the allowance is the connection's.
  const statuses: number[] = [];
  for (let i = 0; i < RATE + 3; i++)
    statuses.push(await postFromUntrusted("/signup/api", refusedBody, clientIp()));
  assert.deepEqual(statuses, [
    ...Array.from({ length: RATE }, () => 400),
    ...Array.from({ length: 3 }, () => 429),
  ]);
});

test("the admin API is not on TCP by default: only HTTP_PORT listens, admin paths are 404 there; the socket is 0600", async () => {
  assert.ok(daemon.pid !== undefined);
  assert.deepEqual(await listeningTcpPorts(daemon.pid), [daemon.port]);
  for (const path of ["/admin/v1/health", "/admin/v1/codes", "/admin/v1/snapshot", "/admin"]) {
    for (const method of ["GET", "POST"]) {
      const res = await send(path, method === "POST" ? { body: "{}" } : { method });
      assert.equal(res.status, 404, `${method} ${path}`);
    }
  }
  const socket = await stat(join(daemon.dataDir, "admin.sock"));
  assert.ok(socket.isSocket());
  assert.equal(socket.mode & 0o777, 0o600);
});

test("the admin API on TCP refuses a missing or wrong bearer token with 401", async () => {
  const token = randomBytes(24).toString("hex");
  const adminPort = await freePort();
  const withAdmin = await TestDaemon.start(hs, community, {
    env: { ADMIN_TOKEN: token, ADMIN_HTTP_PORT: String(adminPort) },
  });
  try {
    assert.ok(withAdmin.pid !== undefined);
    assert.deepEqual(
      await listeningTcpPorts(withAdmin.pid),
      [withAdmin.port, adminPort].sort((a, b) => a - b),
    );
    const ask = async (authorization?: string) => {
      const res = await fetch(`http://127.0.0.1:${adminPort}/admin/v1/health`, {
        headers: authorization === undefined ? {} : { authorization },
      });
      return { status: res.status, text: await res.text() };
    };
    const wrong = [
      undefined,
      "",
      "Bearer",
      "Bearer ",
      `Bearer ${token.slice(0, -1)}`,
      `Bearer ${token}x`,
      `Bearer ${token.replace(/.$/, (c) => (c === "0" ? "1" : "0"))}`,
      `Basic ${Buffer.from(`admin:${token}`).toString("base64")}`,
      token,
      `Bearer ${token} ${token}`,
    ];
    for (const authorization of wrong) {
      const res = await ask(authorization);
      assert.equal(res.status, 401, `${authorization}: ${res.text}`);
      const body = JSON.parse(res.text) as Record<string, unknown>;
      assert.equal(body.error, "unauthorized");
      assert.ok(!res.text.includes(token));
    }
    const right = await ask(`Bearer ${token}`);
    assert.equal(right.status, 200, right.text);
    // The public port still has no admin route, token or not.
    const publicAdmin = await fetch(`${withAdmin.url}/admin/v1/health`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(publicAdmin.status, 404);
  } finally {
    await withAdmin.stop();
  }
});

test("an oversized signup body is 413 in the reference shape, before anything is read", async () => {
  const big = JSON.stringify({
    code: "FUZZSIGNUP",
    username: "big",
    password: "p".repeat(OVERSIZED_BYTES),
  });
  const res = await send("/signup/api", { body: big });
  assert.equal(res.status, 413);
  assert.deepEqual(Object.keys(res.json).sort(), ["error", "message"]);
  assert.equal(res.json.error, "body_too_large");
  assert.equal((await signupBook()).FUZZSIGNUP?.uses_remaining, 5);
});

/**
 * A request whose body arrives a byte a second, for ever: only the server's request timeout can
 * end it. Started with the daemon so the wait overlaps the other tests.
 */
function startDrippingRequest(port: number): {
  closed: Promise<{ at: number; answer: string }>;
  stop(): void;
} {
  const socket = connect(port, "127.0.0.1");
  let answer = "";
  socket.setEncoding("latin1");
  socket.on("data", (chunk: string) => (answer += chunk));
  socket.on("error", () => undefined);
  const closed = new Promise<{ at: number; answer: string }>((resolve) =>
    socket.on("close", () => resolve({ at: Date.now(), answer })),
  );
  socket.write(
    `POST /signup/api HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 4000\r\nX-Forwarded-For: 192.0.2.1\r\n\r\n{`,
  );
  const timer = setInterval(() => socket.write(" "), 1000);
  return {
    closed,
    stop() {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

test("a client that drips its body is cut off once the request timeout passes", async () => {
  // Node checks its timeouts every 30 s, so the cut comes one to two timeouts in; more on a busy machine.
  const waitMs = Math.max(0, drip.startedAt + 6 * REQUEST_TIMEOUT_MS - Date.now());
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), waitMs);
  });
  try {
    const cut = await Promise.race([drip.closed, deadline]);
    assert.ok(cut !== undefined, "the server still holds the dripping request");
    console.log(`dripping request cut after ${((cut.at - drip.startedAt) / 1000).toFixed(1)} s`);
    assert.match(cut.answer, /^HTTP\/1\.1 408/);
  } finally {
    clearTimeout(timer);
    drip.stop();
  }
  const health = await fetch(`${daemon.url}/healthz`);
  assert.equal(health.status, 200);
});
