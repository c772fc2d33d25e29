/**
 * Prometheus' own checker for the bundled alert rules: promtool from Debian's prometheus package,
 * installed on first need into the Synapse root and run there (the host is left alone).
 */
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { synapseRootDir } from "../../src/devserver/synapse-root.js";
import { ensureRootPackage, runInRoot } from "./root-package.js";

/** `promtool check rules FILE`: its output, or a rejection with what promtool said. */
export async function promtoolCheckRules(file: string): Promise<string> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      "promtool runs from Debian's prometheus package in the Synapse root through chroot, which needs root: run the tests as root",
    );
  }
  await ensureRootPackage(
    "prometheus",
    (line) => void process.stderr.write(`prometheus: ${line}\n`),
  );
  const root = synapseRootDir();
  const dir = await mkdtemp(join(root, "tmp", "rules-"));
  try {
    const inRoot = `/tmp/${basename(dir)}/${basename(file)}`;
    await copyFile(file, join(root, inRoot));
    const result = await runInRoot("/usr/bin/promtool", ["check", "rules", inRoot]);
    if (result.exitCode !== 0) throw new Error(`promtool check rules failed:\n${result.all}`);
    return String(result.all);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
