// Each start of the harness's Synapse gets its own run directory in the root (config, SQLite
// database, media, synapse.log); old ones are cleared when a new one is made.

import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { logConfigYaml, SERVER_NAME, TEMPLATE_DIR } from "./synapse-config.js";
import { randomId } from "./synapse-admin-api.js";
import { inRoot } from "./synapse-root.js";

/** Inside the chroot. */
const RUNS_DIR = "/srv/runs";
/** Run directories older than this are removed when a new homeserver starts. */
const STALE_RUN_MS = 6 * 60 * 60 * 1000;

/** A fresh run directory with the template's signing key and the log config; its id and path inside the chroot. */
export async function makeRunDir(): Promise<{ runId: string; runDir: string }> {
  pruneStaleRuns();
  const runId = `${Date.now().toString(36)}-${randomId(4)}`;
  const runDir = `${RUNS_DIR}/${runId}`;
  await mkdir(inRoot(`${runDir}/media_store`), { recursive: true });
  await copyFile(
    inRoot(`${TEMPLATE_DIR}/${SERVER_NAME}.signing.key`),
    inRoot(`${runDir}/${SERVER_NAME}.signing.key`),
  );
  await writeFile(inRoot(`${runDir}/log.config`), logConfigYaml());
  return { runId, runDir };
}

function pruneStaleRuns(): void {
  const dir = inRoot(RUNS_DIR);
  if (!existsSync(dir)) return;
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    try {
      if (now - statSync(p).mtimeMs > STALE_RUN_MS) rmSync(p, { recursive: true, force: true });
    } catch {
      // raced with another process
    }
  }
}
