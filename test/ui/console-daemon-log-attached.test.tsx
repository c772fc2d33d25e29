import "./ci-off.js";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { adminSocketOf, connectEngine } from "../../src/control/attach-client.js";
import { buildAdminServer } from "../../src/http/admin/server.js";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { World } from "../unit/engine-fixtures.js";
import { openConsole } from "./console-harness.js";

let hs: TestHomeserver;
let community: TestCommunity;

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 1 });
});

after(async () => {
  await hs?.stop();
});

/** The Daemon log view's rows whose message matches, newest first. */
const rowsLike = (frame: string, msg: RegExp) =>
  frame.split("\n").filter((line) => /^[› ] \d\d:\d\d:\d\d/.test(line) && msg.test(line));

test("attached: the Daemon log view shows the daemon's log, follows it live, and reconnects after a restart", async (t) => {
  const daemon = await TestDaemon.start(hs, community);
  const api = await connectEngine(adminSocketOf(daemon.dataDir), {
    backoffMs: { min: 100, max: 500 },
  });
  const c = openConsole(t, { api, mode: "attached", now: Date.now, columns: 160, rows: 40 });
  t.after(async () => {
    await api.close();
    await daemon.stop();
  });
  c.press("6");
  await c.waitForText("anteroom daemon started", 15_000);
  assert.doesNotMatch(c.frame(), /standard output/);

  // Something makes the daemon log: a hand edit of the invite code book.
  await writeFile(
    join(daemon.dataDir, "codes.json"),
    JSON.stringify({ HANDEDIT: { uses_remaining: 2, label: "by hand" } }),
  );
  await c.waitForText("picked up a hand edit", 15_000);
  assert.ok(daemon.logged(/picked up a hand edit/), "the same line went to stdout");

  // `/` filters the daemon's lines as it does the file's.
  c.press("/");
  c.type("daemon started");
  c.press("enter");
  const filtered = await c.waitFor(
    "only the start line",
    (f) => !f.includes("picked up a hand edit") && f.includes("anteroom daemon started"),
    5_000,
  );
  assert.equal(rowsLike(filtered, /anteroom daemon started/).length, 1);

  await daemon.stop();
  await daemon.launch();
  // The restarted daemon's lines follow the first one's, each start once.
  await c.waitFor(
    "the second start line",
    (f) => rowsLike(f, /anteroom daemon started/).length === 2,
    30_000,
  );
  assert.doesNotMatch(c.frame(), /reconnecting to the daemon's log/);
});

test("attached to a daemon without the log route, the view says so once instead of retrying", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-oldlog-"));
  const socketPath = join(dir, "admin.sock");
  const world = new World({});
  // The real admin API with the log routes answering as a daemon from before them would: 404.
  const app = buildAdminServer({
    engine: world.engine,
    health: () => ({ ok: true, body: { status: "ok" } }),
    publicUrl: "https://join.example.org",
    logger: pino({ level: "silent" }),
  });
  let logAsks = 0;
  app.addHook("onRequest", async (request, reply) => {
    if (!request.url.startsWith("/admin/v1/log")) return;
    logAsks++;
    return reply.code(404).send({ error: "not_found", message: `no route GET ${request.url}` });
  });
  await app.listen({ path: socketPath });
  const api = await connectEngine(socketPath);
  const c = openConsole(t, { world, api, mode: "attached", now: Date.now });
  t.after(async () => {
    await api.close();
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });
  c.press("6");
  const frame = await c.waitForText("does not serve its log", 5_000);
  assert.match(frame, /upgrade it/);
  assert.doesNotMatch(frame, /reconnecting|not_found/);
  // Another view and back: still one ask, still the same line.
  c.press("1", "6");
  await c.waitForText("does not serve its log");
  assert.equal(logAsks, 1);
});
