/**
 * The daemon's settings as `KEY=value` lines: rendered for stdout, or merged
 * into an existing .env file — each key replaced where it stands, new keys
 * appended, every other line and comment kept — and written atomically, mode
 * 0600 (the file holds the bot's token).
 */
import { writeFileAtomic, readFileIfExists } from "../store/atomic-file.js";

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

/** Values are ids, URLs and tokens; quote the odd one that a shell or compose would split. */
function quote(value: string): string {
  return /^[A-Za-z0-9_@!:.,/+=~%-]*$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
