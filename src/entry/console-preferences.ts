/**
 * The console's start-up check of its config file: the preferences to restore and the key map to
 * apply, or one line saying what is wrong with the file (the console then refuses to start).
 */
import { ConfigError } from "../config.js";
import { openConsoleConfigFile, type ConsoleConfigFile } from "../console-config-file.js";
import { defaultKeyMap, readKeyMap, type KeyMap } from "../../ui/keys/key-map.js";
import {
  DEFAULT_PREFERENCES,
  readPreferences,
  type PreferencesStore,
} from "../../ui/preferences/preferences.js";

export interface ConsolePreferences {
  readonly path: string;
  readonly preferences: PreferencesStore;
  readonly keyMap: KeyMap;
}

export function loadConsolePreferences(env: NodeJS.ProcessEnv): ConsolePreferences {
  const file = openConsoleConfigFile(env);
  const keys = readKeyMap(file.contents.keys);
  if ("problem" in keys)
    throw new ConfigError(`${file.path}: keys: ${keys.problem}; fix it or remove it`);
  return { path: file.path, keyMap: keys.keyMap, preferences: preferencesStore(file) };
}

function preferencesStore(file: ConsoleConfigFile): PreferencesStore {
  return {
    initial: readPreferences(file.contents),
    save: (preferences) => file.set({ ...preferences }),
  };
}

/** `anteroom --print-config`: every preference and binding at its default, as the file takes them. */
export function defaultConsoleConfig(): string {
  return `${JSON.stringify({ ...DEFAULT_PREFERENCES, keys: defaultKeyMap() }, undefined, 2)}\n`;
}
