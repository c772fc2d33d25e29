// Runs one of the provisioning scripts (Synapse root, Chromium in it), passing on each line it prints
// so a first run shows its progress.

import { execa } from "execa";

export async function runProvisionScript(
  script: string,
  env: Record<string, string>,
  onProgress?: (line: string) => void,
  args: readonly string[] = [],
): Promise<void> {
  const sub = execa("bash", [script, ...args], { reject: false, all: true, env });
  const lines: string[] = [];
  for await (const line of sub.iterable({ from: "all" })) {
    lines.push(line);
    onProgress?.(line);
  }
  const res = await sub;
  if (res.exitCode !== 0) {
    throw new Error(`${script} failed:\n${lines.join("\n").slice(-3000)}`);
  }
}
