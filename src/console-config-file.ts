/**
 * The console's config file, per terminal user, kept with conf: the preferences the console
 * remembers, the moderator's name, and the key map a person writes by hand. It lives in the
 * user's config folder (console-config-path.ts says where). Imported only where the file is read,
 * never at start: conf loads Ajv at import.
 */
import { mkdirSync } from "node:fs";
import Conf from "conf";
import { ConfigError } from "./config.js";
import { consoleConfigDir, consoleConfigPath } from "./console-config-path.js";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "./store/atomic-file.js";

export interface ConsoleConfigFile {
  readonly path: string;
  /** The file's top level as read at start ({} when there is no file yet). */
  readonly contents: Readonly<Record<string, unknown>>;
  /** Replaces these top-level entries; the others (the hand-written key map) stay as they are. */
  set(entries: Readonly<Record<string, unknown>>): void;
}

/** Opens (not creates) the file; a file that is not a JSON object is a ConfigError in one line. */
export function openConsoleConfigFile(env: NodeJS.ProcessEnv): ConsoleConfigFile {
  const cwd = consoleConfigDir(env);
  const path = consoleConfigPath(env);
  let store: Conf<Record<string, unknown>>;
  let contents: unknown;
  try {
    // conf makes the folder itself, as the umask has it; made first, it is private.
    mkdirSync(cwd, { recursive: true, mode: PRIVATE_DIR_MODE });
    store = new Conf({
      cwd,
      projectName: "anteroom",
      configName: "config",
      // Moderators share the machine: the file is theirs alone (conf's default follows the umask).
      configFileMode: PRIVATE_FILE_MODE,
      serialize: (value) => `${JSON.stringify(value, undefined, 2)}\n`,
    });
    contents = store.store;
  } catch (error) {
    // The parser's message quotes the file: no control character of it reaches the terminal.
    const reason = (error instanceof Error ? error.message : String(error))
      .split("\n")[0]
      ?.replace(/\p{Cc}/gu, "?");
    throw new ConfigError(`${path}: not a JSON object (${reason}); fix it or remove the file`);
  }
  if (typeof contents !== "object" || contents === null || Array.isArray(contents))
    throw new ConfigError(`${path}: not a JSON object; fix it or remove the file`);
  return {
    path,
    contents: contents as Record<string, unknown>,
    set: (entries) => store.set(entries),
  };
}
