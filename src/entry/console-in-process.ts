/**
 * `anteroom` when no daemon serves the data dir: this process logs in as the
 * approver bot, holds the data-dir lock, runs the engine and opens the console
 * on it. The engine's log goes to a file in the data dir, never to the
 * terminal Ink draws on.
 */
import { join } from "node:path";
import { prepareDataDir } from "../store/data-dir.js";
import { pino } from "pino";
import type { DaemonConfig } from "../config.js";
import { openRuntime, loggerOptions } from "../runtime.js";
import { runConsole, type RunConsoleOptions } from "../../ui/run-console.js";
import { healthReport } from "../http/shared/health.js";
import { runtimeModeration } from "../control/runtime-moderation.js";
import { PRIVATE_FILE_MODE } from "../store/atomic-file.js";

export async function runConsoleInProcess(
  config: DaemonConfig,
  by: string,
  readonly: boolean,
  remembered: Pick<RunConsoleOptions, "preferences" | "keyMap"> = {},
): Promise<void> {
  await prepareDataDir(config.paths.dataDir);
  const logPath = join(config.paths.dataDir, "anteroom.log");
  const log = pino(
    loggerOptions(config),
    pino.destination({ dest: logPath, mkdir: true, sync: false, mode: PRIVATE_FILE_MODE }),
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
      health: async () => {
        const { ok, body } = healthReport(runtime.health, runtime.writeFaults);
        return { ok, body: { ...body, encryption: runtime.encryption } };
      },
      daemonLogPath: logPath,
      moderation: runtimeModeration(runtime, config.paths.endorsements),
      ...remembered,
    });
  } finally {
    await runtime.stop();
    log.flush();
  }
}
