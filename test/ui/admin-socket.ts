/**
 * An engine behind a real admin socket: the World's core Engine served by the
 * daemon's own admin API (src/http) on a unix socket, and the attach client
 * connected to it — the console's attached path without a homeserver.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { startAdminApi } from "../../src/http/admin/server.js";
import { connectEngine, type RemoteEngine } from "../../src/control/attach-client.js";
import type { World } from "../unit/engine-fixtures.js";

export interface AttachedWorld {
  readonly remote: RemoteEngine;
  /** The data dir whose admin socket serves the world: a console started with it attaches. */
  readonly dataDir: string;
  close(): Promise<void>;
}

export async function serveOnAdminSocket(world: World): Promise<AttachedWorld> {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-admin-"));
  const socketPath = join(dir, "admin.sock");
  const admin = await startAdminApi({
    engine: world.engine,
    health: () => ({ ok: true, body: { status: "ok", sync: "SYNCING", last_sync_ms_ago: 5 } }),
    publicUrl: "https://join.example.org",
    logger: pino({ level: "silent" }),
    socketPath,
  });
  const remote = await connectEngine(socketPath);
  return {
    remote,
    dataDir: dir,
    async close() {
      await remote.close();
      await admin.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
