/**
 * What the benches share: their settings from the environment, the daemon
 * they measure (the fresh build, run through the shipped entry point), and
 * the tables they print.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** A whole-number setting, or `fallback` when unset. */
export function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number`);
  return value;
}

/**
 * Which daemon to run: the fresh build (`npm run build` unless BENCH_BUILD=0)
 * through bin/anteroom.js, or BENCH_DAEMON when it names another.
 */
export async function daemonCommand(log: (message: string) => void): Promise<string[]> {
  if (process.env.BENCH_BUILD !== "0" && !process.env.BENCH_DAEMON) {
    log("npm run build");
    const build = await execa("npm", ["run", "build"], { cwd: REPO, all: true, reject: false });
    // tsc still writes its output when it finds type errors (the bundle is then not remade):
    // run what is there, but say so.
    if (build.exitCode !== 0) {
      const errors = String(build.all ?? "")
        .split("\n")
        .filter((line) => line.includes("error TS"));
      if (errors.length === 0) throw new Error(`npm run build failed:\n${String(build.all)}`);
      log(`npm run build reported ${errors.length} type errors (its output is still written):`);
      for (const line of errors.slice(0, 5)) log(`  ${line}`);
    }
  }
  if (process.env.BENCH_DAEMON) return [process.env.BENCH_DAEMON, "--daemon"];
  // The entry point as shipped (it re-executes node with the daemon's V8 flags), not cli.js.
  if (existsSync(join(REPO, "dist", "bundle", "anteroom.js")))
    return ["bin/anteroom.js", "--daemon"];
  log(
    "no dist/bundle/anteroom.js: the daemon runs through tsx, which is then part of what is measured",
  );
  return ["--import", "tsx", "src/entry/cli.ts", "--daemon"];
}

export function fmt(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "—";
}

/** Rows as columns: the first left-aligned, the rest right-aligned, a rule under the header. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((row, index) => {
      const line = row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join("  │  ")
        .trimEnd();
      return index === 0 ? `${line}\n${"─".repeat(line.length)}` : line;
    })
    .join("\n");
}
