import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pino } from "pino";
import type { EngineEvent } from "../../core/engine/events.js";
import { connectEngine } from "../../src/control/attach-client.js";
import { startAdminApi } from "../../src/http/admin/server.js";
import { FakeEngine, record, tempDir } from "./admin-fakes.js";
import { waitFor } from "../harness/wait.js";

test("a burst of knocks reaches the attached mirror whole and its subscribers in order", async (t) => {
  const dir = await tempDir();
  const engine = new FakeEngine();
  const api = await startAdminApi({
    engine,
    health: () => ({ ok: true, body: { status: "ok", sync: "SYNCING", last_sync_ms_ago: 1 } }),
    publicUrl: "https://chat.example.org",
    logger: pino({ level: "silent" }),
    socketPath: join(dir, "admin.sock"),
  });
  t.after(() => api.close());
  const remote = await connectEngine(join(dir, "admin.sock"));
  t.after(() => remote.close());
  const seen: EngineEvent[] = [];
  remote.subscribe((event) => seen.push(event));
  // More than the mirror folds in one go, and a change to the first knock at the end.
  const burst = 600;
  for (let i = 0; i < burst; i++) engine.put(record(`$k${i}:hs`, `@k${i}:hs`, "open"));
  engine.put(record("$k0:hs", "@k0:hs", "passed"));
  await waitFor(() => seen.length === burst + 1, { what: "every event of the burst" });
  assert.deepEqual(
    seen.map((event) => event.seq),
    Array.from({ length: burst + 1 }, (_, i) => i + 1),
  );
  const { records } = remote.snapshot();
  assert.equal(records.length, burst);
  assert.equal(records.find((r) => r.key === "$k0:hs")?.phase, "passed");
});
