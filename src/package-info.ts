/**
 * anteroom's own package: its folder and version, found by walking up from this module to the
 * nearest package.json named anteroom, so it works from src/ under tsx and from dist/src/ alike.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

interface PackageJson {
  readonly name?: unknown;
  readonly version?: unknown;
}

let found: { root: string; version: string } | undefined;

function locate(): { root: string; version: string } {
  if (found) return found;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
      if (pkg.name === "anteroom") {
        found = { root: dir, version: typeof pkg.version === "string" ? pkg.version : "unknown" };
        return found;
      }
    } catch {
      // no package.json here, or not JSON: keep walking up
    }
    if (dirname(dir) === dir)
      throw new Error(`could not find anteroom's package.json above ${start}`);
  }
}

/** The folder holding anteroom's package.json. */
export const packageRoot = (): string => locate().root;

/** anteroom's version, as package.json says. */
export const packageVersion = (): string => locate().version;
