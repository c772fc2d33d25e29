/**
 * `anteroom` when no daemon serves the data dir: this process logs in as the
 * approver bot, holds the data-dir lock, runs the engine and opens the console
 * on it. The engine's log goes to a file in the data dir, never to the
 * terminal Ink draws on.
 */
import { join } from "node:path";
import { mkdir } from "node:fs/promises";
import { pino } from "pino";
import type { DaemonConfig } from "./config.js";
import { openRuntime, loggerOptions } from "./runtime.js";
import { runConsole } from "../ui/run-console.js";
import { healthReport } from "./http/server.js";
import type { ModerationApi } from "./control/moderation-api.js";
import { roleSummary } from "./control/moderation-api.js";
import { addBlock, removeBlock } from "./moderation/blocklist-edits.js";
import { roleChangeComplete, type RoleChangeResult } from "./moderation/roles.js";
import type { Runtime } from "./runtime.js";

export async function runConsoleInProcess(
  config: DaemonConfig,
  by: string,
  readonly: boolean,
): Promise<void> {
  await mkdir(config.paths.dataDir, { recursive: true });
  const logPath = join(config.paths.dataDir, "anteroom.log");
  const log = pino(
    loggerOptions(config),
    pino.destination({ dest: logPath, mkdir: true, sync: false }),
  );
  const runtime = await openRuntime(config, log);
  try {
    await runtime.start();
    await runConsole({
      api: runtime.engine,
      mode: "in-process",
      by,
      readonly,
      publicUrl: config.publicUrl,
      health: async () => healthReport(runtime.health),
      daemonLogPath: logPath,
      moderation: runtimeModeration(runtime),
    });
  } finally {
    await runtime.stop();
    log.flush();
  }
}

/** The console's moderation straight on the runtime's blocklist and role service. */
function runtimeModeration(runtime: Runtime): ModerationApi {
  const edits = { blocklist: runtime.moderation.blocklist, audit: runtime.audit };
  const { service, members } = runtime.roles;
  const roleOutcome = (result: RoleChangeResult) =>
    result.ok
      ? ({
          ok: true,
          summary: roleSummary(result.user, result.role, roleChangeComplete(result)),
        } as const)
      : ({ ok: false, error: result.reason } as const);
  return {
    blocklist: async () => runtime.moderation.blocklist.entries,
    async addBlock(pattern, reason, by) {
      const outcome = await addBlock(edits, {
        pattern,
        ...(reason ? { reason } : {}),
        by,
        nowMs: Date.now(),
      });
      if (!outcome.ok) return outcome;
      const shown = `${outcome.entry.pattern} (${outcome.entry.kind})`;
      return {
        ok: true,
        summary: outcome.added ? `blocked ${shown}` : `${shown} was already blocked`,
      };
    },
    async removeBlock(pattern, by) {
      const removed = await removeBlock(edits, { pattern, by, nowMs: Date.now() });
      return removed.length > 0
        ? { ok: true, summary: `unblocked ${pattern}` }
        : { ok: false, error: `no blocklist entry ${JSON.stringify(pattern)}` };
    },
    members: async () =>
      (await service.members(members)).map((member) => ({
        user: member.userId,
        ...(member.displayName === undefined ? {} : { displayName: member.displayName }),
        levels: Object.fromEntries(
          Object.entries(member.rooms).map(([roomId, room]) => [
            roomId,
            Number.isFinite(room.level) ? room.level : null,
          ]),
        ),
      })),
    roles: async () => service.roles,
    setRole: async (user, role, by) =>
      roleOutcome(await service.promote(user, role, by, { via: "console" })),
    demote: async (user, by) => roleOutcome(await service.demote(user, by, { via: "console" })),
  };
}
