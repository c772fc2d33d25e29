import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pino } from "pino";
import type { EngineEvent } from "../../core/engine/events.js";
import { connectEngine } from "../../src/control/attach-client.js";
import { startAdminApi } from "../../src/http/admin/server.js";
import { FakeEngine, record, tempDir } from "./admin-fakes.js";
import { waitFor } from "../harness/wait.js";

test("a record the daemon forgets leaves the attached mirror, and its subscribers hear of it", async () => {
  const dir = await tempDir();
  const engine = new FakeEngine();
  engine.put(record("$old:hs", "@old:hs", "denied"));
  engine.put(record("$new:hs", "@new:hs", "open"));
  const api = await startAdminApi({
    engine,
    health: () => ({ ok: true, body: { status: "ok", sync: "SYNCING", last_sync_ms_ago: 1 } }),
    publicUrl: "https://chat.example.org",
    logger: pino({ level: "silent" }),
    socketPath: join(dir, "admin.sock"),
  });
  const remote = await connectEngine(join(dir, "admin.sock"));
  try {
    const seen: EngineEvent[] = [];
    remote.subscribe((event) => seen.push(event));
    // What the engine's prune does: forget the record, then say so.
    delete engine.records["$old:hs"];
    engine.events.emit({ type: "removed", kind: "vetting", key: "$old:hs" });
    await waitFor(() => seen.some((e) => e.type === "removed"), {
      what: "the removed event to reach the client",
    });
    assert.deepEqual(
      remote.snapshot().records.map((r) => r.key),
      ["$new:hs"],
    );
    const removed = seen.find((e) => e.type === "removed");
    assert.deepEqual(removed && { kind: removed.kind, key: removed.key }, {
      kind: "vetting",
      key: "$old:hs",
    });
  } finally {
    await remote.close();
    await api.close();
  }
});
