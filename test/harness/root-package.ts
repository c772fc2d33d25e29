/**
 * A Debian package the tests need, installed on first need into the Synapse root
 * (provision-root-package.sh) so the host is left alone: chromium for the page tests,
 * prometheus for promtool. Needs root, as the Synapse root does.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { ensureSynapseRoot, synapseRootDir } from "../../src/devserver/synapse-root.js";
import { runProvisionScript } from "../../src/devserver/provision.js";

const PROVISION = fileURLToPath(new URL("./provision-root-package.sh", import.meta.url));

/** Installs `pkg` into the Synapse root unless it is there; progress lines go to `onProgress`. */
export async function ensureRootPackage(
  pkg: string,
  onProgress: (line: string) => void,
): Promise<void> {
  const root = synapseRootDir();
  if (existsSync(join(root, "srv", `${pkg}.ready`))) return;
  await ensureSynapseRoot(onProgress);
  await runProvisionScript(PROVISION, { ANTEROOM_SYNAPSE_ROOT: root }, onProgress, [pkg]);
}

/** Runs a program inside the Synapse root, with /proc mounted in a mount namespace of its own. */
export function runInRoot(
  command: string,
  args: readonly string[],
): Promise<{ exitCode?: number; all?: string }> {
  const root = synapseRootDir();
  const script = 'root="$1"; shift; mount -t proc proc "$root/proc" && exec chroot "$root" "$@"';
  return execa(
    "unshare",
    [
      "--mount",
      "--propagation",
      "private",
      "--",
      "/bin/sh",
      "-c",
      script,
      "sh",
      root,
      command,
      ...args,
    ],
    {
      reject: false,
      all: true,
      env: { PATH: "/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin", LANG: "C.UTF-8" },
    },
  );
}
