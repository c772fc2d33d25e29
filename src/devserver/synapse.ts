// A real Synapse for integration tests and `anteroom demo`, run from a Debian sid root (see
// provision-synapse.sh and docs "A real homeserver for tests"). Each startHomeserver() gets its own run directory, port
// and SQLite database. With ANTEROOM_TEST_HS + ANTEROOM_TEST_HS_SECRET an existing homeserver is
// used instead (then restart/kill/start are unavailable). The jobs live beside it: synapse-root.ts
// (the Debian root), synapse-config.ts and synapse-run-dir.ts (what a run is given),
// synapse-process.ts (start and stop), synapse-admin-api.ts (users, tokens), external-homeserver.ts.

import { useExternalHomeserver } from "./external-homeserver.js";
import { SynapseProcess } from "./synapse-process.js";
import { synapseRootDir, synapseRootProvisioned } from "./synapse-root.js";
import type { StartHomeserverOptions, TestHomeserver } from "./test-homeserver.js";

/** True when the Synapse root is provisioned (or an existing homeserver is configured). */
export function homeserverReady(): boolean {
  return usesExternalHomeserver() || synapseRootProvisioned();
}

/**
 * Why startHomeserver() cannot work here, in words a person can act on; undefined when it can.
 * The harness's own Synapse runs in a chroot, which needs root.
 */
export function homeserverUnavailableReason(): string | undefined {
  const url = process.env.ANTEROOM_TEST_HS;
  const secret = process.env.ANTEROOM_TEST_HS_SECRET;
  if (url && secret) return undefined;
  if (url || secret)
    return "set both ANTEROOM_TEST_HS (URL) and ANTEROOM_TEST_HS_SECRET (registration shared secret), or neither";
  if (process.getuid?.() === 0) return undefined;
  const what = synapseRootProvisioned()
    ? `runs Synapse from ${synapseRootDir()} in a chroot, which needs root`
    : `builds a Synapse root in ${synapseRootDir()} (debootstrap, then chroot), which needs root and debootstrap`;
  return (
    `the local homeserver ${what}. Run it as root (e.g. with sudo), or point ` +
    "ANTEROOM_TEST_HS (its URL) and ANTEROOM_TEST_HS_SECRET (its registration_shared_secret) at an existing Synapse"
  );
}

function usesExternalHomeserver(): boolean {
  return Boolean(process.env.ANTEROOM_TEST_HS && process.env.ANTEROOM_TEST_HS_SECRET);
}

export async function startHomeserver(opts: StartHomeserverOptions = {}): Promise<TestHomeserver> {
  const externalUrl = process.env.ANTEROOM_TEST_HS;
  const externalSecret = process.env.ANTEROOM_TEST_HS_SECRET;
  if (externalUrl && externalSecret)
    return useExternalHomeserver(externalUrl.replace(/\/+$/, ""), externalSecret);
  if (externalUrl || externalSecret) {
    throw new Error(
      "set both ANTEROOM_TEST_HS (URL) and ANTEROOM_TEST_HS_SECRET (registration shared secret), or neither",
    );
  }
  return SynapseProcess.create(opts);
}
