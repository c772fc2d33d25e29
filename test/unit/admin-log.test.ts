import { test } from "node:test";
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { pino } from "pino";
import { followDaemonLog, type DaemonLogStreamState } from "../../src/control/log-stream.js";
import { buildAdminServer } from "../../src/http/admin/server.js";
import { RecentLog } from "../../src/recent-log.js";
import { waitFor } from "../harness/wait.js";
import { FakeEngine, http, tempDir } from "./admin-fakes.js";

const health = () => ({ ok: true, body: { status: "ok" } });

async function serve(socketPath: string, recentLog?: RecentLog) {
  const app = buildAdminServer({
    engine: new FakeEngine(),
    health,
    publicUrl: "https://join.example.org",
    logger: pino({ level: "silent" }),
    ...(recentLog ? { recentLog } : {}),
  });
  await app.listen({ path: socketPath });
  return app;
}

test("GET /log answers the recent lines, oldest first, the newest `limit` of them on request", async () => {
  const dir = await tempDir();
  const sock = { socketPath: join(dir, "admin.sock") };
  const recent = new RecentLog();
  recent.write('{"msg":"one"}\n{"msg":"two"}\n{"msg":"three"}\n');
  const app = await serve(sock.socketPath, recent);
  try {
    const all = await http(sock, "GET", "/admin/v1/log");
    assert.equal(all.status, 200);
    assert.deepEqual(
      all.json.lines.map((l: { line: string }) => JSON.parse(l.line).msg),
      ["one", "two", "three"],
    );
    const last = await http(sock, "GET", "/admin/v1/log?limit=1");
    assert.deepEqual(last.json.lines, [{ seq: 3, line: '{"msg":"three"}' }]);
    const bad = await http(sock, "GET", "/admin/v1/log?limit=0");
    assert.equal(bad.status, 400);
    const badId = await http(sock, "GET", "/admin/v1/log/stream", {
      headers: { "last-event-id": "not an id" },
    });
    assert.equal(badId.status, 400);
    assert.match(badId.json.message, /Last-Event-ID/);
  } finally {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("a process that keeps no recent lines answers 503, not an empty log", async () => {
  const dir = await tempDir();
  const sock = { socketPath: join(dir, "admin.sock") };
  const app = await serve(sock.socketPath);
  try {
    const answer = await http(sock, "GET", "/admin/v1/log");
    assert.equal(answer.status, 503);
    assert.equal(answer.json.error, "log_unavailable");
  } finally {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("the log stream sends the kept lines then new ones; a reconnect resumes, a new run starts over", async () => {
  const dir = await tempDir();
  const socketPath = join(dir, "admin.sock");
  const recent = new RecentLog();
  recent.write("a\nb\n");
  let app = await serve(socketPath, recent);
  const got: string[] = [];
  const states: DaemonLogStreamState["kind"][] = [];
  const stop = followDaemonLog(
    socketPath,
    { onLines: (lines) => got.push(...lines), onState: (state) => states.push(state.kind) },
    { backoffMs: { min: 20, max: 100 } },
  );
  try {
    await waitFor(() => got.length === 2, { what: "the kept lines" });
    recent.write("c\n");
    await waitFor(() => got.length === 3, { what: "the new line" });

    // The same daemon's API goes away and comes back: nothing is sent twice.
    await app.close();
    recent.write("d\n");
    app = await serve(socketPath, recent);
    await waitFor(() => got.length >= 4 && states.at(-1) === "live", { what: "the resume" });
    recent.write("e\n");
    await waitFor(() => got.length >= 5, { what: "the line after the resume" });
    assert.deepEqual(got, ["a", "b", "c", "d", "e"]);
    assert.ok(states.includes("lost"));

    // A restarted daemon: its own lines, from its start.
    await app.close();
    const restarted = new RecentLog();
    restarted.write("started again\n");
    app = await serve(socketPath, restarted);
    await waitFor(() => got.length >= 6, { what: "the new run's line" });
    assert.deepEqual(got.slice(5), ["started again"]);
  } finally {
    stop();
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
});
