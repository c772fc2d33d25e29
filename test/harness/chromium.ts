/**
 * Which Chromium the page tests drive. By default Debian's chromium, installed on first need into
 * the Synapse root (provision-root-package.sh) and run there through chromium-in-root.sh, so the host
 * needs no browser and its own is never looked at. ANTEROOM_CHROMIUM names a browser to use
 * instead (e.g. where the tests cannot run as root).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { synapseRootDir } from "../../src/devserver/synapse-root.js";
import { ensureRootPackage } from "./root-package.js";

const IN_ROOT = fileURLToPath(new URL("./chromium-in-root.sh", import.meta.url));
const INSTALL_IT_YOURSELF =
  "install Chromium on this machine (on Debian: apt-get install chromium) and set ANTEROOM_CHROMIUM=/usr/bin/chromium";

export interface Chromium {
  /** What playwright launches. */
  readonly executablePath: string;
  /** The environment it launches it with. */
  readonly env: Record<string, string | undefined>;
}

let found: Promise<Chromium> | undefined;

/** The browser to launch, installing it into the Synapse root the first time; throws, saying what to install, where it cannot. */
export function findChromium(): Promise<Chromium> {
  found ??= chromiumFor(process.env.ANTEROOM_CHROMIUM);
  return found;
}

async function chromiumFor(named: string | undefined): Promise<Chromium> {
  const root = synapseRootDir();
  if (named) {
    if (!existsSync(named)) {
      throw new Error(
        `ANTEROOM_CHROMIUM=${named} does not exist: point it at a Chromium binary, or unset it to let the tests install Chromium into ${root}`,
      );
    }
    return { executablePath: named, env: process.env };
  }
  if (process.getuid?.() !== 0) {
    throw new Error(
      `the page tests run Chromium installed in ${root} through chroot, which needs root: run the tests as root, or ${INSTALL_IT_YOURSELF}`,
    );
  }
  // Progress on stderr: the test runner shows it while the first run installs.
  const progress = (line: string): void => void process.stderr.write(`chromium: ${line}\n`);
  try {
    await ensureRootPackage("chromium", progress);
  } catch (err) {
    throw new Error(
      `could not install Chromium into ${root} (why: in the cause below); ${INSTALL_IT_YOURSELF}, or let this machine reach the Debian archive and run the tests again`,
      { cause: err },
    );
  }
  return { executablePath: IN_ROOT, env: { ...process.env, ANTEROOM_SYNAPSE_ROOT: root } };
}
