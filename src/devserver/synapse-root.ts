// The Debian sid root Synapse runs from (built by provision-synapse.sh on first use, kept in a
// cache folder across runs), and how a command is run inside it with chroot.

import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { runProvisionScript } from "./provision.js";
import { errorMessage } from "./wait.js";
import { packageRoot } from "../package-info.js";

const SYNAPSE_ROOT =
  process.env.ANTEROOM_SYNAPSE_ROOT ?? join(homedir(), ".cache", "anteroom-synapse", "root");
const SYNAPSE_MARKER = join(SYNAPSE_ROOT, "usr/lib/python3/dist-packages/synapse/__init__.py");

/** The environment of every command in the root. */
export const CHROOT_ENV = {
  PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  LANG: "C.UTF-8",
  HOME: "/root",
};

// chroot lives in /usr/sbin, which a non-login PATH (CI, cron) may leave out.
export const CHROOT =
  ["/usr/sbin/chroot", "/sbin/chroot", "/usr/bin/chroot"].find((p) => existsSync(p)) ?? "chroot";
// setpriv --pdeathsig makes the kernel SIGKILL Synapse if this process dies, even by SIGKILL.
export const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => existsSync(p));

/** Where the Synapse root lives (ANTEROOM_SYNAPSE_ROOT, default ~/.cache/anteroom-synapse/root). */
export function synapseRootDir(): string {
  return SYNAPSE_ROOT;
}

/** A path inside the root, as the host sees it. */
export function inRoot(chrootPath: string): string {
  return join(SYNAPSE_ROOT, chrootPath);
}

/** True once Synapse is installed in the root. */
export function synapseRootProvisioned(): boolean {
  return existsSync(SYNAPSE_MARKER);
}

let rootChecked = false;
/** Builds the Synapse root on first use (provision-synapse.sh, needs root); a no-op once it exists. */
export async function ensureSynapseRoot(onProgress?: (line: string) => void): Promise<void> {
  if (rootChecked) return;
  if (!synapseRootProvisioned()) {
    await runProvisionScript(
      provisionScriptPath(),
      { ANTEROOM_SYNAPSE_ROOT: SYNAPSE_ROOT },
      onProgress,
    ).catch((err: unknown) => {
      throw new Error(`provisioning the Synapse root failed: ${errorMessage(err)}`);
    });
  }
  rootChecked = true;
}

/**
 * provision-synapse.sh in the source tree: found from the repository root (the nearest directory
 * up from this module whose package.json is anteroom's), so it works from src/ under tsx and from
 * dist/src/ after a build, which does not copy the script.
 */
export function provisionScriptPath(): string {
  return join(packageRoot(), "src", "devserver", "provision-synapse.sh");
}
