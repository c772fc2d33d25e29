/**
 * The daemon's settings as `KEY=value` lines: rendered for stdout, or merged
 * into an existing .env file — each key replaced where it stands, new keys
 * appended, every other line and comment kept — and written atomically, mode
 * 0600 (the file holds the bot's token).
 */
import { writeFileAtomic, readFileIfExists } from "../store/atomic-file.js";
import { InitError } from "./homeserver-api.js";

export type EnvSettings = ReadonlyArray<readonly [key: string, value: string]>;

export function renderEnv(settings: EnvSettings): string {
  return settings.map(([key, value]) => `${key}=${quote(value)}`).join("\n");
}

/** `existing` with each setting in place (its first assignment; later duplicates dropped). */
export function mergeEnv(existing: string, settings: EnvSettings): string {
  const wanted = new Map(settings);
  const written = new Set<string>();
  const lines = existing === "" ? [] : existing.replace(/\n$/, "").split("\n");
  const out: string[] = [];
  for (const line of lines) {
    const match = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    const key = match?.[2];
    if (key === undefined || !wanted.has(key)) {
      out.push(line);
      continue;
    }
    if (written.has(key)) continue;
    written.add(key);
    out.push(`${match?.[1] ?? ""}${key}=${quote(wanted.get(key) ?? "")}`);
  }
  const missing = settings.filter(([key]) => !written.has(key));
  if (missing.length > 0) {
    if (out.length > 0 && out[out.length - 1] !== "") out.push("");
    out.push("# written by anteroom init", renderEnv(missing));
  }
  return `${out.join("\n")}\n`;
}

export async function writeEnvFile(path: string, settings: EnvSettings): Promise<void> {
  const existing = (await readFileIfExists(path)) ?? "";
  await writeFileAtomic(path, mergeEnv(existing, settings), { mode: 0o600 });
}

/**
 * Values are ids, URLs, tokens and paths; quote the odd one so that anteroom (Node's
 * util.parseEnv), compose and systemd's EnvironmentFile all read it back unchanged.
 */
function quote(value: string): string {
  if (/^[A-Za-z0-9_@!:.,/+=~%-]*$/.test(value)) return value;
  // Single quotes are literal for all three readers; none of them reads an escaped quote inside.
  if (!value.includes("'")) return `'${value}'`;
  if (!/["\\$`\n]/.test(value)) return `"${value}"`;
  throw new InitError(
    "a setting holds both kinds of quote (or a quote and a backslash, $ or newline), which an .env file cannot hold; choose a data dir path without them",
  );
}
