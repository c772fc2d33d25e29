import "./ci-off.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_DAEMON_LOG_LINES, appendLogLines, noDaemonLog } from "../../ui/state/daemon-log.js";
import { openConsole } from "./console-harness.js";

test("Health shows the homeserver reachable, a fresh sync, knocks by phase and effects in flight", async (t) => {
  let sync = "SYNCING";
  const c = openConsole(t, {
    columns: 100,
    rows: 30,
    health: async () => ({
      ok: sync === "SYNCING",
      body: {
        status: sync === "SYNCING" ? "ok" : "starting",
        sync,
        last_sync_ms_ago: 2000,
        pid: 4242,
      },
    }),
  });
  c.world.knock("@held:example.org", "");
  await c.world.reconcile();
  c.press("5");
  let frame = await c.waitForText("reachable (sync SYNCING)");
  assert.match(frame, /status\s+✓ ready/);
  assert.match(frame, /last sync\s+✓ 2 s ago/);
  assert.match(frame, /knocks\s+1 held/);
  assert.match(frame, /in flight\s+\d+ effects/);
  assert.match(frame, /daemon pid\s+4242/);
  // The homeserver goes away: the next check says so.
  sync = "RECONNECTING";
  frame = await c.waitForText("unreachable (sync RECONNECTING", 10_000);
  assert.match(frame, /status\s+✗ not ready \(starting\)/);
});

test("Health says why the daemon is not ready when a write to the data dir fails", async (t) => {
  const c = openConsole(t, {
    columns: 160,
    rows: 30,
    health: async () => ({
      ok: false,
      body: {
        status: "write_failing",
        reason:
          "cannot write /data/vetting.json.journal: ENOSPC: no space left on device, write; retrying, free space or fix the disk",
        sync: "SYNCING",
        last_sync_ms_ago: 1000,
      },
    }),
  });
  c.press("5");
  const frame = await c.waitForText("not ready (write_failing)");
  assert.match(frame, /why\s+✗ cannot write \/data\/vetting\.json\.journal: ENOSPC: no space left/);
});

test("a health check that fails says why", async (t) => {
  const c = openConsole(t, {
    health: async () => {
      throw new Error("connect ENOENT /data/admin.sock");
    },
  });
  c.press("5");
  await c.waitForText("failed: connect ENOENT /data/admin.sock");
});

test("the Daemon log follows the log file, newest first, as inert text", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-log-"));
  const path = join(dir, "anteroom.log");
  const line = (msg: string, extra: object = {}) =>
    JSON.stringify({
      level: 30,
      time: Date.now(),
      pid: 1,
      hostname: "h",
      app: "anteroom",
      msg,
      ...extra,
    }) + "\n";
  await writeFile(path, line("anteroom started") + line("knock", { user: "@a\x1b]0;pwned\x07:x" }));
  const c = openConsole(t, { columns: 100, rows: 30, daemonLogPath: path });
  t.after(() => rm(dir, { recursive: true, force: true }));
  c.press("6");
  let frame = await c.waitForText("Daemon log 2");
  assert.match(frame, /knock\s+user=@a:x/);
  assert.ok(!frame.includes("\x1b") && !frame.includes("pwned"));
  await appendFile(
    path,
    JSON.stringify({ level: 40, time: Date.now(), msg: "send circuit breaker open" }) + "\n",
  );
  frame = await c.waitForText("Daemon log 3", 10_000);
  const rows = frame.split("\n");
  const newest = rows.findIndex((r) => r.includes("send circuit breaker open"));
  const oldest = rows.findIndex((r) => r.includes("anteroom started"));
  assert.ok(newest > 0 && newest < oldest, "newest first");
  assert.match(rows[newest] ?? "", /warn/);
  c.press("/");
  c.type("breaker");
  await c.waitForText("Daemon log 1");
});

test("attached, the Daemon log view says where the daemon's log is instead", async (t) => {
  const c = openConsole(t, { mode: "attached" });
  c.press("6");
  await c.waitForText("read it where it runs");
});

test("the daemon log keeps only the newest lines", () => {
  const texts = Array.from({ length: MAX_DAEMON_LOG_LINES + 500 }, (_, i) =>
    JSON.stringify({ level: 30, time: i, msg: `line ${i}` }),
  );
  let log = noDaemonLog("");
  log = appendLogLines(log, texts.slice(0, 1000));
  log = appendLogLines(log, texts.slice(1000));
  assert.equal(log.lines.length, MAX_DAEMON_LOG_LINES);
  assert.equal(log.lines.at(-1)?.msg, `line ${MAX_DAEMON_LOG_LINES + 499}`);
  assert.equal(log.lines[0]?.msg, "line 500");
});

test("Health says whether the bot's encryption is on and counts what it could not decrypt", async (t) => {
  let undecryptable = 0;
  const c = openConsole(t, {
    columns: 140,
    rows: 30,
    health: async () => ({
      ok: true,
      body: {
        status: "ok",
        sync: "SYNCING",
        last_sync_ms_ago: 1000,
        encryption: { on: true, undecryptable },
      },
    }),
  });
  c.press("5");
  await c.waitForText("encryption");
  assert.match(c.frame(), /encryption\s+✓ on/);
  undecryptable = 2;
  await c.waitForText("2 message(s) in the operator room could not be decrypted", 10_000);
});
