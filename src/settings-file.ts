/**
 * The operator's settings file: `.env` in the working directory, or the file
 * ANTEROOM_ENV_FILE names. The daemon, the console and `anteroom init` read it
 * at start, under the environment: a variable set in the environment wins.
 * Parsed by Node itself (util.parseEnv), which reads what `init --write-env`
 * writes (src/init/env-file.ts).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseEnv } from "node:util";
import { ConfigError } from "./config.js";

export const ENV_FILE_VARIABLE = "ANTEROOM_ENV_FILE";

export interface SettingsFile {
  /** Absolute. */
  readonly path: string;
  /** The settings taken from it (the rest were set in the environment already). */
  readonly applied: readonly string[];
}

/** Adds to `env` the file's settings it lacks; undefined when there is no file to read. */
export function loadSettingsFile(env: NodeJS.ProcessEnv, cwd: string): SettingsFile | undefined {
  const named = env[ENV_FILE_VARIABLE] || undefined;
  const path = resolve(cwd, named ?? ".env");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    if (named === undefined && code === "ENOENT") return undefined;
    throw new ConfigError(
      code === "ENOENT"
        ? `${ENV_FILE_VARIABLE} names ${path}, which does not exist: fix the path or unset ${ENV_FILE_VARIABLE} to read .env from the working directory`
        : `cannot read the settings file ${path} (${code}): make it readable by this user (chmod 600, owned by it)`,
    );
  }
  const applied: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (value === undefined || env[name] !== undefined) continue;
    env[name] = value;
    applied.push(name);
  }
  return { path, applied };
}

/** One line for a start log: where the settings came from. */
export function settingsSource(file: SettingsFile | undefined): string {
  return file === undefined
    ? "settings from the environment (no .env in the working directory)"
    : `settings from the environment and ${file.path}`;
}
