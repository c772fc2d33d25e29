/**
 * Where the console's config file is (~/.config/anteroom/config.json, or in ANTEROOM_CONFIG_DIR).
 * Apart from console-config-file.ts, which reads it with conf: every start of anteroom, the
 * daemon's too, needs the path, and conf loads Ajv (~200 KB of code) at import.
 */
import { homedir } from "node:os";
import { join } from "node:path";

export const CONFIG_DIR_VARIABLE = "ANTEROOM_CONFIG_DIR";

/** conf's own folder for project "anteroom" on Linux, made explicit so `env` (and tests) decide it. */
export function consoleConfigDir(env: NodeJS.ProcessEnv): string {
  if (env[CONFIG_DIR_VARIABLE]) return env[CONFIG_DIR_VARIABLE];
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config"), "anteroom");
}

export function consoleConfigPath(env: NodeJS.ProcessEnv): string {
  return join(consoleConfigDir(env), "config.json");
}
