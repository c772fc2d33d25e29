import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { stat, writeFile } from "node:fs/promises";
import { request, type ClientRequest } from "node:http";
import { createServer, connect } from "node:net";
import { join } from "node:path";
import { pino } from "pino";
import { SseParser, type SseEvent } from "../../src/control/sse.js";
import {
  AdminListenError,
  bearerChecker,
  buildAdminServer,
  clearStaleSocket,
  startAdminApi,
  type AdminApi,
} from "../../src/http/admin/server.js";
import { parseActor } from "../../src/http/admin/common.js";
import { ConfigError, loadConfig } from "../../src/config.js";
import { FakeEngine, http, record, tempDir } from "./admin-fakes.js";
import { RecentLog } from "../../src/recent-log.js";
import { waitFor } from "../harness/wait.js";

const silent = pino({ level: "silent" });
const health = () => ({ ok: true, body: { status: "ok", sync: "SYNCING", last_sync_ms_ago: 5 } });

let engine: FakeEngine;
let api: AdminApi;
let sock: { socketPath: string };

before(async () => {
  engine = new FakeEngine();
  engine.put(record("$held:hs", "@held:hs", "held"));
  engine.put(record("$open:hs", "@open:hs", "open"));
  engine.put(record("$done:hs", "@done:hs", "passed"));
  engine.codes = { FRIENDS: { uses_remaining: 3, label: "friends" } };
  const dir = await tempDir();
  api = await startAdminApi({
    engine,
    health,
    publicUrl: "https://chat.example.org/",
    logger: silent,
    socketPath: join(dir, "admin.sock"),
    heartbeatMs: 100,
    maxBufferedBytes: 64 * 1024,
  });
  sock = { socketPath: api.socketPath };
});

after(async () => {
  await api?.close();
});

test("the socket is made mode 0600 and the snapshot answers over it", async () => {
  assert.equal((await stat(api.socketPath)).mode & 0o777, 0o600);
  const answer = await http(sock, "GET", "/admin/v1/snapshot");
  assert.equal(answer.status, 200);
  assert.equal(answer.json.seq, engine.events.seq);
  assert.deepEqual(
    answer.json.records.map((r: { key: string }) => r.key),
    ["$held:hs", "$open:hs", "$done:hs"],
  );
  assert.deepEqual(answer.json.codes, engine.codes);
});

test("knocks: listed, filtered by phase (and `active`) and user, fetched by key", async () => {
  const keys = async (query: string) =>
    (await http(sock, "GET", `/admin/v1/knocks${query}`)).json.records.map(
      (r: { key: string }) => r.key,
    );
  assert.deepEqual(await keys(""), ["$held:hs", "$open:hs", "$done:hs"]);
  assert.deepEqual(await keys("?phase=active"), ["$held:hs", "$open:hs"]);
  assert.deepEqual(await keys("?phase=passed,held"), ["$held:hs", "$done:hs"]);
  assert.deepEqual(await keys("?phase=passed&phase=open"), ["$open:hs", "$done:hs"]);
  assert.deepEqual(await keys(`?user=${encodeURIComponent("@open:hs")}`), ["$open:hs"]);
  const bad = await http(sock, "GET", "/admin/v1/knocks?phase=nonsense");
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error, "bad_request");
  const one = await http(sock, "GET", `/admin/v1/knocks/${encodeURIComponent("$open:hs")}`);
  assert.equal(one.json.record.user, "@open:hs");
  const none = await http(sock, "GET", "/admin/v1/knocks/%24nope");
  assert.deepEqual(none.json, { error: "not_found", message: "no knock $nope" });
});

test("actions: the actor comes from X-Anteroom-Actor, refusals are 409, unknown keys 404", async () => {
  const path = `/admin/v1/knocks/${encodeURIComponent("$open:hs")}/actions`;
  const said = await http(sock, "POST", path, {
    body: { action: "say", text: "hello" },
    headers: { "x-anteroom-actor": Buffer.from("Zoë", "utf8").toString("latin1") },
  });
  assert.equal(said.status, 200);
  assert.deepEqual(said.json, { ok: true });
  assert.deepEqual(engine.calls.at(-1)?.args, [
    "$open:hs",
    { action: "say", text: "hello" },
    "Zoë",
  ]);
  await http(sock, "POST", path, { body: { action: "extend", seconds: 600 } });
  assert.equal(engine.calls.at(-1)?.args[2], "admin-api");

  const refused = await http(sock, "POST", path, { body: { action: "addTries", tries: 50 } });
  assert.equal(refused.status, 409);
  assert.deepEqual(refused.json, { error: "refused", message: "tries must be 1–20" });
  const missing = await http(sock, "POST", "/admin/v1/knocks/%24nope/actions", {
    body: { action: "approve" },
  });
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error, "not_found");
});

test("a bad actor name is refused: control characters, over 255 characters, empty", async () => {
  const path = `/admin/v1/knocks/${encodeURIComponent("$open:hs")}/actions`;
  for (const actor of ["\x85evil", "x".repeat(256), "   "]) {
    const answer = await http(sock, "POST", path, {
      body: { action: "say", text: "hi" },
      headers: { "x-anteroom-actor": actor },
    });
    assert.equal(answer.status, 400, JSON.stringify(actor));
    assert.equal(answer.json.error, "bad_actor");
  }
  assert.equal(parseActor(undefined), "admin-api");
  assert.equal(parseActor("  Mod Ann "), "Mod Ann");
  assert.throws(() => parseActor(["a", "b"]), /once/);
  assert.throws(() => parseActor("a\u202eb"), /control/);
});

test("malformed bodies are 400 (or 415) JSON with no stack, and change nothing", async () => {
  const path = `/admin/v1/knocks/${encodeURIComponent("$held:hs")}/actions`;
  const before = engine.calls.length;
  const json = { "content-type": "application/json" };
  const cases: [unknown, Record<string, string>, number, string][] = [
    ["{not json", json, 400, "bad_json"],
    ["", json, 400, "bad_json"],
    ["[]", json, 400, "bad_request"],
    ["null", json, 400, "bad_request"],
    ['"approve"', json, 400, "bad_request"],
    [{}, {}, 400, "bad_request"],
    [{ action: "fly" }, {}, 400, "bad_request"],
    [{ action: "addTries", tries: "3" }, {}, 400, "bad_request"],
    [{ action: "addTries", tries: 1.5 }, {}, 400, "bad_request"],
    [{ action: "approve", extra: 1 }, {}, 400, "bad_request"],
    [{ action: "say", text: "" }, {}, 400, "bad_request"],
    [{ action: "repost", challenge: { topic: "x" } }, {}, 400, "bad_request"],
    ['{"action":"approve"}', { "content-type": "text/plain" }, 415, "unsupported_media_type"],
    [JSON.stringify({ action: "say", text: "x".repeat(100_000) }), json, 413, "too_large"],
  ];
  for (const [body, headers, status, error] of cases) {
    const answer = await http(sock, "POST", path, { body, headers });
    assert.equal(answer.status, status, `${JSON.stringify(body).slice(0, 80)} → ${answer.text}`);
    assert.equal(answer.json?.error, error, answer.text);
    assert.equal(typeof answer.json.message, "string");
    assert.doesNotMatch(answer.text, /at .*\.(ts|js):\d+/);
  }
  assert.equal(engine.calls.length, before, "no malformed request reached the engine");
  const unknown = await http(sock, "GET", "/admin/v1/nothing");
  assert.deepEqual(unknown.json, { error: "not_found", message: "no route GET /admin/v1/nothing" });
});

test("a code-book edit of thousands of codes fits, well past the 64 KiB other bodies get", async () => {
  const set = Object.fromEntries(
    Array.from({ length: 5_000 }, (_, i) => [
      `BULK-${String(i).padStart(5, "0")}`,
      { uses_remaining: 1, label: "spring meetup, table " + (i % 40) },
    ]),
  );
  const body = JSON.stringify({ set, remove: [] });
  assert.ok(body.length > 64 * 1024 * 4);
  const answer = await http(sock, "POST", "/admin/v1/codes/signup/edits", {
    body,
    headers: { "content-type": "application/json", "x-anteroom-actor": "ann" },
  });
  assert.equal(answer.status, 200, answer.text);
  assert.equal(Object.keys(engine.signupCodes).filter((c) => c.startsWith("BULK-")).length, 5_000);
  const huge = JSON.stringify({ set: {}, remove: ["x".repeat(200)], pad: "y".repeat(9 << 20) });
  const refused = await http(sock, "POST", "/admin/v1/codes/signup/edits", {
    body: huge,
    headers: { "content-type": "application/json" },
  });
  assert.equal(refused.status, 413, refused.text);
});

test("codes: list, mint with a link per book, revoke regardless of case", async () => {
  const listed = await http(sock, "GET", "/admin/v1/codes/invite");
  assert.deepEqual(listed.json, { book: "invite", codes: engine.codes });
  const minted = await http(sock, "POST", "/admin/v1/codes/invite", {
    body: { uses: 5, label: "party", inviter: "@ann:hs" },
    headers: { "x-anteroom-actor": "ann" },
  });
  assert.equal(minted.status, 201);
  assert.equal(minted.json.link, `https://chat.example.org/join?code=${minted.json.code}`);
  assert.deepEqual(minted.json.entry, {
    uses_remaining: 5,
    label: "party",
    minted_by: "ann",
    inviter: "@ann:hs",
  });
  const ends = Math.floor(Date.now() / 1000) + 3600;
  const signup = await http(sock, "POST", "/admin/v1/codes/signup", {
    body: { uses: 1, label: "", expires_at: ends },
  });
  assert.equal(signup.status, 201);
  assert.equal(signup.json.entry.expires_at, ends, "the code keeps its end");
  assert.match(signup.json.link, /^https:\/\/chat\.example\.org\/signup\?code=CODE-\d+$/);
  assert.ok(signup.json.code in engine.signupCodes);

  for (const body of [
    { uses: 0, label: "x" },
    { label: "x" },
    { uses: 1, label: "x", expires_at: 1000 },
    { uses: 1, label: "x", inviter: "ann" },
    { uses: 1, label: "a\u0007b" },
    { uses: 1, label: "x", code: "CHOSEN" },
  ]) {
    const answer = await http(sock, "POST", "/admin/v1/codes/invite", { body });
    assert.equal(answer.status, 400, JSON.stringify(body));
    assert.equal(answer.json.error, "bad_request");
  }
  assert.equal((await http(sock, "GET", "/admin/v1/codes/other")).status, 404);

  const revoked = await http(sock, "DELETE", "/admin/v1/codes/invite/friends");
  assert.deepEqual(revoked.json, { ok: true, code: "FRIENDS" });
  assert.equal("FRIENDS" in engine.codes, false);
  const again = await http(sock, "DELETE", "/admin/v1/codes/invite/FRIENDS");
  assert.equal(again.status, 404);
});

test("audit: since, type (list), user and limit reach the engine's query; bad values are 400", async () => {
  engine.addAudit({ ts: 100, type: "knock_received", user: "@a:hs" });
  engine.addAudit({ ts: 200, type: "code_minted", by: "ann" });
  engine.addAudit({ ts: 300, type: "knock_received", user: "@b:hs" });
  const answer = await http(
    sock,
    "GET",
    "/admin/v1/audit?since=150&type=knock_received,code_minted&limit=10",
  );
  assert.deepEqual(
    answer.json.entries.map((e: { ts: number }) => e.ts),
    [200, 300],
  );
  assert.deepEqual(engine.calls.at(-1)?.args[0], {
    limit: 10,
    sinceTs: 150,
    types: ["knock_received", "code_minted"],
  });
  const byUser = await http(sock, "GET", `/admin/v1/audit?user=${encodeURIComponent("@a:hs")}`);
  assert.deepEqual(byUser.json.entries, [{ ts: 100, type: "knock_received", user: "@a:hs" }]);
  for (const query of ["limit=0", "limit=abc", "since=-1", "limit=100000"]) {
    assert.equal((await http(sock, "GET", `/admin/v1/audit?${query}`)).status, 400, query);
  }
});

test("health: /healthz's data plus records by phase", async () => {
  const answer = await http(sock, "GET", "/admin/v1/health");
  assert.equal(answer.status, 200);
  assert.equal(answer.json.status, "ok");
  assert.equal(answer.json.sync, "SYNCING");
  assert.equal(answer.json.records_by_phase.held, 1);
  assert.equal(answer.json.records_by_phase.open, 1);
  assert.equal(answer.json.records_by_phase.timed_out, 0);
  assert.equal(answer.json.pid, process.pid);
});

test("an engine failure is a 500 with no detail or stack", async () => {
  const failing = new FakeEngine();
  failing.audit = async () => {
    throw new Error("secret detail at /srv/x.ts:12");
  };
  const app = buildAdminServer({ engine: failing, health, publicUrl: "http://x", logger: silent });
  const answer = await app.inject({ method: "GET", url: "/admin/v1/audit" });
  assert.equal(answer.statusCode, 500);
  assert.deepEqual(answer.json(), {
    error: "internal",
    message: "the request failed; the daemon's log says why",
  });
  await app.close();
});

/** An open event stream: every event so far, and the comments. */
interface Stream {
  events: SseEvent[];
  comments: string[];
  req: ClientRequest;
  ended: Promise<void>;
}

function openStream(socketPath: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const stream: Partial<Stream> & { events: SseEvent[]; comments: string[] } = {
      events: [],
      comments: [],
    };
    const req = request({ socketPath, path: "/admin/v1/events", agent: false }, (res) => {
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers["content-type"]), /^text\/event-stream/);
      const parser = new SseParser(
        (event) => stream.events.push(event),
        (text) => stream.comments.push(text),
      );
      res.setEncoding("utf8");
      stream.ended = new Promise((done) => res.on("close", () => done()));
      res.on("data", (chunk: string) => parser.feed(chunk));
      resolve(stream as Stream);
    });
    stream.req = req;
    req.on("error", reject);
    req.end();
  });
}

test("the event stream: a snapshot first, then every change with its seq as id, heartbeats, and unsubscribe on leave", async () => {
  const before = engine.subscribers;
  const stream = await openStream(api.socketPath);
  await waitFor(() => stream.events.length >= 1, { what: "the snapshot" });
  const first = stream.events[0];
  assert.equal(first?.event, "snapshot");
  const snapshot = JSON.parse(first?.data ?? "{}");
  assert.equal(snapshot.seq, engine.events.seq);
  assert.equal(first?.id, String(engine.events.seq));

  engine.put(record("$new:hs", "@new:hs", "opening"));
  await engine.mintCode("invite", { uses: 1, label: "", by: "x" });
  engine.addAudit({ ts: 400, type: "test" });
  await waitFor(() => stream.events.length >= 4, { what: "three events" });
  assert.deepEqual(
    stream.events.slice(1).map((e) => e.event),
    ["record", "codes", "audit"],
  );
  const seqs = stream.events.slice(1).map((e) => JSON.parse(e.data).seq);
  assert.deepEqual(seqs, [snapshot.seq + 1, snapshot.seq + 2, snapshot.seq + 3]);
  assert.deepEqual(
    stream.events.slice(1).map((e) => e.id),
    seqs.map(String),
  );
  assert.equal(JSON.parse(stream.events[1]?.data ?? "{}").record.key, "$new:hs");

  await waitFor(() => stream.comments.includes("heartbeat"), { what: "a heartbeat" });
  assert.equal(engine.subscribers, before + 1);
  stream.req.destroy();
  await waitFor(() => engine.subscribers === before, { what: "the stream to unsubscribe" });
  await stream.ended;
});

/** The status and body of a GET that may turn into an event stream; a stream is left open. */
function getStream(
  target: { socketPath: string } | { url: string; token: string },
  path: string,
): Promise<{ status: number; body: string; req: ClientRequest }> {
  return new Promise((resolve, reject) => {
    const where =
      "socketPath" in target
        ? { socketPath: target.socketPath, path }
        : { ...urlParts(target.url), path, headers: { authorization: `Bearer ${target.token}` } };
    const req = request({ ...where, agent: false }, (res) => {
      if (res.statusCode === 200) return resolve({ status: 200, body: "", req });
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, req }));
    });
    req.on("error", reject);
    req.end();
  });
}

function urlParts(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

test("at most 16 event streams at once, socket and TCP, /events and /log/stream together; the 17th gets 503", async () => {
  const dir = await tempDir();
  const token = "t".repeat(32);
  const capped = await startAdminApi({
    engine: new FakeEngine(),
    health,
    publicUrl: "https://chat.example.org/",
    logger: silent,
    socketPath: join(dir, "admin.sock"),
    tcp: { port: 0, host: "127.0.0.1", token },
    recentLog: new RecentLog(),
  });
  try {
    const socket = { socketPath: capped.socketPath };
    const tcp = { url: capped.tcpUrl ?? "", token };
    const open = [];
    for (let i = 0; i < 16; i++) {
      const answer = await getStream(
        i % 2 === 0 ? socket : tcp,
        i % 4 < 2 ? "/admin/v1/events" : "/admin/v1/log/stream",
      );
      assert.equal(answer.status, 200, `stream ${i + 1}: ${answer.body}`);
      open.push(answer.req);
    }
    for (const [target, path] of [
      [socket, "/admin/v1/events"],
      [tcp, "/admin/v1/log/stream"],
    ] as const) {
      const refused = await getStream(target, path);
      assert.equal(refused.status, 503);
      assert.equal(JSON.parse(refused.body).error, "too_many_streams");
      assert.match(JSON.parse(refused.body).message, /16 event streams are open already/);
    }
    // One leaves: a new client gets its stream.
    open.shift()?.destroy();
    const again = await waitFor(
      async () => {
        const answer = await getStream(socket, "/admin/v1/events");
        return answer.status === 200 && answer;
      },
      { what: "a free slot after one client left" },
    );
    open.push(again.req);
    for (const req of open) req.destroy();
  } finally {
    await capped.close();
  }
});

test("events racing the snapshot are neither lost nor doubled", async () => {
  // One event lands before the snapshot is taken (the snapshot has it), one after (it does not).
  engine.duringSnapshot = (e) => {
    e.duringSnapshot = undefined;
    e.put(record("$race-in:hs", "@in:hs", "held"));
  };
  const inner = engine.snapshot.bind(engine);
  let afterSnapshot = true;
  engine.snapshot = () => {
    const snap = inner();
    if (afterSnapshot) {
      afterSnapshot = false;
      engine.put(record("$race-after:hs", "@after:hs", "held"));
    }
    return snap;
  };
  try {
    const stream = await openStream(api.socketPath);
    await waitFor(() => stream.events.length >= 2, { what: "the snapshot and one event" });
    const snapshot = JSON.parse(stream.events[0]?.data ?? "{}");
    assert.ok(snapshot.records.some((r: { key: string }) => r.key === "$race-in:hs"));
    assert.ok(!snapshot.records.some((r: { key: string }) => r.key === "$race-after:hs"));
    engine.addAudit({ ts: 500, type: "marker" });
    await waitFor(() => stream.events.some((e) => e.event === "audit"), { what: "the marker" });
    const keys = stream.events
      .filter((e) => e.event === "record")
      .map((e) => JSON.parse(e.data).record.key);
    assert.deepEqual(keys, ["$race-after:hs"]);
    stream.req.destroy();
    await stream.ended;
  } finally {
    engine.snapshot = inner;
  }
});

test("a client that reads nothing is cut off with `event: overflow` and unsubscribed", async () => {
  await waitFor(() => engine.subscribers === 0, { what: "earlier streams to be gone" });
  const before = 0;
  const socket = connect(api.socketPath);
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write("GET /admin/v1/events HTTP/1.1\r\nHost: x\r\n\r\n");
  socket.pause();
  await waitFor(() => engine.subscribers === before + 1, { what: "the stream to subscribe" });
  const big = "x".repeat(64 * 1024);
  for (let i = 0; i < 200 && engine.subscribers > before; i++) {
    engine.addAudit({ ts: 600 + i, type: "bulk", big });
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(engine.subscribers, before, "the slow client was unsubscribed");
  let text = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => (text += chunk));
  socket.resume();
  await new Promise((resolve) => socket.once("close", resolve));
  assert.match(text, /event: overflow\ndata: \{"error":"overflow"/);
  engine.log = engine.log.filter((row) => row.type !== "bulk");
});

test("TCP: every request needs the bearer token", async () => {
  const app = buildAdminServer({
    engine,
    health,
    publicUrl: "http://x",
    logger: silent,
    token: "a-long-enough-admin-token",
  });
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  try {
    const get = (headers: Record<string, string>) =>
      http({ url }, "GET", "/admin/v1/snapshot", { headers });
    const missing = await get({});
    assert.equal(missing.status, 401);
    assert.equal(missing.json.error, "unauthorized");
    assert.match(String(missing.headers["www-authenticate"]), /^Bearer/);
    assert.equal((await get({ authorization: "Bearer wrong" })).status, 401);
    assert.equal((await get({ authorization: "Basic a-long-enough-admin-token" })).status, 401);
    assert.equal((await get({ authorization: "Bearer a-long-enough-admin-token" })).status, 200);
    assert.equal((await get({ authorization: "bearer  a-long-enough-admin-token" })).status, 200);
    // Unknown routes and malformed bodies do not get past the token either.
    const post = await http({ url }, "POST", "/admin/v1/codes/invite", { body: "{" });
    assert.equal(post.status, 401);
  } finally {
    await app.close();
  }
});

test("bearerChecker: exact token only", () => {
  const check = bearerChecker("s3cret-token-value");
  assert.equal(check("Bearer s3cret-token-value"), true);
  assert.equal(check("Bearer s3cret-token-valu"), false);
  assert.equal(check("Bearer s3cret-token-value2"), false);
  assert.equal(check("Bearer "), false);
  assert.equal(check("s3cret-token-value"), false);
  assert.equal(check(undefined), false);
  assert.equal(check("Bearer s3cret-token-value extra"), false);
  assert.throws(() => bearerChecker(""));
});

test("a stale socket left by kill -9 is removed; a live one or a plain file is not", async () => {
  const dir = await tempDir();
  const stale = join(dir, "stale.sock");
  // A process that listens and dies without cleaning up.
  spawnSync(
    process.execPath,
    [
      "-e",
      `require("net").createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, "SIGKILL"))`,
    ],
    { stdio: "ignore" },
  );
  assert.ok((await stat(stale)).isSocket());
  await clearStaleSocket(stale);
  await assert.rejects(stat(stale), { code: "ENOENT" });
  await clearStaleSocket(stale); // nothing there: nothing to do

  const live = join(dir, "live.sock");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(live, resolve));
  try {
    await assert.rejects(clearStaleSocket(live), AdminListenError);
    await assert.rejects(
      startAdminApi({ engine, health, publicUrl: "http://x", logger: silent, socketPath: live }),
      /another process answers/,
    );
  } finally {
    server.close();
  }
  const file = join(dir, "file.sock");
  await writeFile(file, "");
  await assert.rejects(clearStaleSocket(file), /not a socket/);
});

test("config: the admin socket is in the data dir; TCP needs ADMIN_TOKEN", () => {
  const base = { HS: "http://hs:8008", MATRIX_TOKEN: "t", SPACE_ID: "!s:hs", DATA_DIR: "/d" };
  const plain = loadConfig(base);
  assert.equal(plain.admin.socketPath, "/d/admin.sock");
  assert.equal(plain.admin.tcp, undefined);
  assert.throws(
    () => loadConfig({ ...base, ADMIN_HTTP_PORT: "8002" }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /ADMIN_HTTP_PORT: the admin API on TCP needs ADMIN_TOKEN/);
      return true;
    },
  );
  assert.throws(
    () => loadConfig({ ...base, ADMIN_HTTP_PORT: "8002", ADMIN_TOKEN: "short" }),
    /ADMIN_TOKEN: at least 16/,
  );
  const tcp = loadConfig({ ...base, ADMIN_HTTP_PORT: "8002", ADMIN_TOKEN: "x".repeat(32) });
  assert.deepEqual(tcp.admin.tcp, { port: 8002, host: "127.0.0.1", token: "x".repeat(32) });
  // A token alone does not open a port.
  assert.equal(loadConfig({ ...base, ADMIN_TOKEN: "x".repeat(32) }).admin.tcp, undefined);
});

test("config: the admin API off loopback needs ADMIN_HTTP_PUBLIC=1", () => {
  const base = {
    HS: "http://hs:8008",
    MATRIX_TOKEN: "t",
    SPACE_ID: "!s:hs",
    ADMIN_HTTP_PORT: "8002",
    ADMIN_TOKEN: "x".repeat(32),
  };
  for (const host of ["0.0.0.0", "::", "10.0.0.5", "admin.example.org"])
    assert.throws(
      () => loadConfig({ ...base, ADMIN_HTTP_HOST: host }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message.includes(`ADMIN_HTTP_HOST=${host} puts the admin API on the network`) &&
        !error.message.includes("\n"),
      host,
    );
  for (const host of ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
    assert.equal(loadConfig({ ...base, ADMIN_HTTP_HOST: host }).admin.tcp?.host, host);
  const opened = loadConfig({ ...base, ADMIN_HTTP_HOST: "0.0.0.0", ADMIN_HTTP_PUBLIC: "1" });
  assert.equal(opened.admin.tcp?.host, "0.0.0.0");
});

test("config: the form hook is off unless configured, and invite mode needs FORM_SECRET", () => {
  const base = { HS: "http://hs:8008", MATRIX_TOKEN: "t", SPACE_ID: "!s:hs" };
  assert.equal(loadConfig(base).formHook, undefined);
  // Tuning alone does not open it.
  assert.equal(loadConfig({ ...base, FORM_RATE_PER_MIN: "5" }).formHook, undefined);
  assert.equal(loadConfig({ ...base, FORM_FIELD_MXID: "Matrix ID" }).formHook?.mode, "queue");
  assert.equal(
    loadConfig({ ...base, FORM_SECRET: "s".repeat(16) }).formHook?.fields.mxidField,
    "mxid",
  );
  assert.throws(
    () => loadConfig({ ...base, FORM_MODE: "invite" }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /FORM_MODE=invite .* needs FORM_SECRET/.test(error.message) &&
      !error.message.includes("\n"),
  );
  const invite = loadConfig({ ...base, FORM_MODE: "invite", FORM_SECRET: "s".repeat(16) });
  assert.equal(invite.formHook?.mode, "invite");
});
