import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pino } from "pino";
import type { EngineSnapshot } from "../../core/api.js";
import type { EngineEvent } from "../../core/engine/events.js";
import { connectEngine, isDaemonRunning } from "../../src/control/attach-client.js";
import { startAdminApi, type AdminApi } from "../../src/http/admin/server.js";
import { FakeEngine, record, tempDir } from "./admin-fakes.js";
import { waitFor } from "../harness/wait.js";

const silent = pino({ level: "silent" });
const health = () => ({ ok: true, body: { status: "ok", sync: "SYNCING", last_sync_ms_ago: 1 } });

function serve(engine: FakeEngine, dataDir: string): Promise<AdminApi> {
  return startAdminApi({
    engine,
    health,
    publicUrl: "https://chat.example.org",
    logger: silent,
    socketPath: join(dataDir, "admin.sock"),
  });
}

test("no daemon: isDaemonRunning is false and connectEngine says so", async () => {
  const dir = await tempDir();
  assert.equal(await isDaemonRunning(dir), false);
  await assert.rejects(connectEngine(join(dir, "admin.sock")), /no anteroom daemon answers on/);
  // A socket left by a process killed with -9: there, but nobody listens.
  spawnSync(
    process.execPath,
    [
      "-e",
      `require("net").createServer().listen(${JSON.stringify(join(dir, "admin.sock"))}, () => process.kill(process.pid, "SIGKILL"))`,
    ],
    { stdio: "ignore" },
  );
  assert.equal(await isDaemonRunning(dir), false);
  const api = await serve(new FakeEngine(), dir);
  try {
    assert.equal(await isDaemonRunning(dir), true);
  } finally {
    await api.close();
  }
});

test("the mirror: a snapshot at connect, then every change; commands go to the daemon", async () => {
  const dir = await tempDir();
  const engine = new FakeEngine();
  engine.put(record("$a:hs", "@a:hs", "held"));
  engine.codes = { OLD: { uses_remaining: 1, label: "" } };
  const api = await serve(engine, dir);
  const remote = await connectEngine(join(dir, "admin.sock"));
  try {
    const first = remote.snapshot();
    assert.deepEqual(
      first.records.map((r) => r.key),
      ["$a:hs"],
    );
    assert.deepEqual(first.codes, engine.codes);
    const seen: EngineEvent[] = [];
    remote.subscribe((event) => seen.push(event));

    engine.put(record("$b:hs", "@b:hs", "open"));
    await waitFor(() => remote.snapshot().records.some((r) => r.key === "$b:hs"), {
      what: "the mirror to show the new knock",
    });
    assert.equal(seen[0]?.type, "record");
    assert.equal(seen[0]?.seq, first.seq + 1);
    assert.equal(remote.snapshot().seq, first.seq + 1);

    const minted = await remote.mintCode("invite", { uses: 2, label: "pals", by: "Zoë" });
    assert.equal(minted.link, `https://chat.example.org/join?code=${minted.code}`);
    assert.equal(minted.entry.minted_by, "Zoë");
    await waitFor(() => minted.code in remote.snapshot().codes, { what: "the code in the mirror" });

    assert.deepEqual(await remote.moderate("$a:hs", { action: "approve" }, "ann"), { ok: true });
    assert.deepEqual(await remote.moderate("$b:hs", { action: "addTries", tries: 99 }, "ann"), {
      ok: false,
      error: "tries must be 1–20",
    });
    assert.deepEqual(await remote.moderate("$zz", { action: "approve" }, "ann"), {
      ok: false,
      error: "no knock $zz",
    });
    await waitFor(
      () => remote.snapshot().records.find((r) => r.key === "$a:hs")?.phase === "passed",
      {
        what: "the approval in the mirror",
      },
    );
    assert.deepEqual(await remote.revokeCode("invite", "OLD", "ann"), { ok: true });
    assert.equal((await remote.revokeCode("invite", "OLD", "ann")).ok, false);

    engine.addAudit({ ts: 10, type: "knock_received", user: "@a:hs" });
    engine.addAudit({ ts: 11, type: "promoted", user: "@b:hs" });
    const rows = await remote.audit({ types: ["promoted"], limit: 5 });
    assert.deepEqual(rows, [{ ts: 11, type: "promoted", user: "@b:hs" }]);
    assert.equal((await remote.health()).health.records_by_phase.open, 1);

    // Local seq numbers only go up, one per event delivered.
    assert.deepEqual(
      seen.map((e) => e.seq),
      seen.map((_, i) => first.seq + 1 + i),
    );
  } finally {
    await remote.close();
    await api.close();
  }
});

test("a daemon restart: the client reconnects, emits what changed, and hands on a fresh snapshot", async () => {
  const dir = await tempDir();
  const before = new FakeEngine();
  before.put(record("$same:hs", "@same:hs", "held"));
  before.put(record("$changes:hs", "@changes:hs", "open"));
  before.addAudit({ ts: Date.now() / 1000, type: "seen_live" });
  let api = await serve(before, dir);
  const remote = await connectEngine(join(dir, "admin.sock"), {
    backoffMs: { min: 20, max: 100 },
  });
  const events: EngineEvent[] = [];
  const resyncs: EngineSnapshot[] = [];
  const connection: boolean[] = [];
  remote.subscribe((event) => events.push(event));
  remote.onResync((snapshot) => resyncs.push(snapshot));
  remote.onConnection((up) => connection.push(up));
  try {
    const liveTs = Date.now() / 1000 + 1;
    before.addAudit({ ts: liveTs, type: "seen_live" });
    await waitFor(() => events.length === 1, { what: "the live audit entry" });
    const seqBefore = remote.snapshot().seq;

    await api.close();
    await waitFor(() => connection.includes(false), { what: "the client to notice the drop" });
    assert.equal(remote.connected, false);

    // The new daemon numbers from 0 again and has moved on meanwhile.
    const after = new FakeEngine();
    after.records = {
      "$same:hs": record("$same:hs", "@same:hs", "held"),
      "$changes:hs": record("$changes:hs", "@changes:hs", "passed"),
      "$new:hs": record("$new:hs", "@new:hs", "opening"),
    };
    after.codes = { FRESH: { uses_remaining: 1, label: "" } };
    after.log = [
      { ts: liveTs, type: "seen_live" },
      { ts: liveTs + 1, type: "missed_while_away" },
    ];
    api = await serve(after, dir);
    await waitFor(() => resyncs.length === 1, { what: "the resync", timeoutMs: 5000 });
    assert.equal(remote.connected, true);
    assert.deepEqual(connection, [false, true]);

    const since = events.filter((e) => e.seq > seqBefore);
    const summary = since.map((e) =>
      e.type === "record"
        ? `record ${e.record.key}`
        : e.type === "codes"
          ? `codes ${e.book}`
          : e.type === "audit"
            ? `audit ${e.entry.type}`
            : e.type === "lobby"
              ? `lobby ${e.lobby.key}`
              : e.type,
    );
    assert.deepEqual(summary, [
      "record $changes:hs",
      "record $new:hs",
      "codes invite",
      "audit missed_while_away",
    ]);
    assert.deepEqual(
      since.map((e) => e.seq),
      since.map((_, i) => seqBefore + 1 + i),
    );
    const mirror = resyncs[0];
    assert.equal(mirror?.seq, seqBefore + since.length);
    assert.deepEqual(mirror?.records.map((r) => r.key).sort(), [
      "$changes:hs",
      "$new:hs",
      "$same:hs",
    ]);
    assert.deepEqual(remote.snapshot().codes, after.codes);

    // And the new stream goes on as before.
    after.put(record("$later:hs", "@later:hs", "held"));
    await waitFor(() => remote.snapshot().records.some((r) => r.key === "$later:hs"), {
      what: "a live event after the resync",
    });
    assert.equal(events.at(-1)?.seq, mirror ? mirror.seq + 1 : -1);
  } finally {
    await remote.close();
    await api.close();
  }
});

test("in the background: connect answers at once, and the daemon's picture streams in when it is up", async () => {
  const dir = await tempDir();
  // No daemon yet: the console can already draw, saying it is connecting.
  const remote = await connectEngine(join(dir, "admin.sock"), {
    inBackground: true,
    backoffMs: { min: 20, max: 100 },
  });
  try {
    assert.equal(remote.connected, false);
    assert.deepEqual(remote.snapshot().records, []);
    const seen: string[] = [];
    remote.subscribe((event) => {
      if (event.type === "record") seen.push(event.record.key);
    });
    const connections: boolean[] = [];
    remote.onConnection((connected) => connections.push(connected));
    const engine = new FakeEngine();
    engine.put(record("$a:hs", "@a:hs", "held"));
    const api = await serve(engine, dir);
    try {
      await waitFor(() => remote.connected, { what: "the client to connect" });
      assert.deepEqual(seen, ["$a:hs"], "the snapshot's records arrive as events");
      assert.deepEqual(connections, [true]);
      assert.deepEqual(
        remote.snapshot().records.map((r) => r.key),
        ["$a:hs"],
      );
    } finally {
      await api.close();
    }
  } finally {
    await remote.close();
  }
});
