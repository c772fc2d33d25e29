// deploy/anteroom.service: systemd itself reads it (systemd-analyze verify, from Debian's systemd
// package in the Synapse root), and the unit keeps what an operator relies on: the daemon as a plain process, its
// settings file, restarts on failure, and a sandbox where only the data dir is writable.

import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { synapseRootDir } from "../../src/devserver/synapse-root.js";
import { ensureRootPackage, runInRoot } from "../harness/root-package.js";

const UNIT = fileURLToPath(new URL("../../deploy/anteroom.service", import.meta.url));
const text = await readFile(UNIT, "utf8");

/** `[Section]` → key → every value given (a key may repeat). */
function parseUnit(unit: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of unit.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[(\w+)\]$/.exec(line);
    if (section?.[1]) {
      current = new Map();
      sections.set(section[1], current);
      continue;
    }
    const pair = /^([A-Za-z]+)=(.*)$/.exec(line);
    assert.ok(pair?.[1] !== undefined && current, `not a unit line: ${line}`);
    current.set(pair[1], [...(current.get(pair[1]) ?? []), pair[2] ?? ""]);
  }
  return sections;
}

const service = parseUnit(text).get("Service") ?? new Map<string, string[]>();
const one = (key: string) => service.get(key)?.at(-1);

test("systemd accepts the unit: systemd-analyze verify reports nothing", async () => {
  assert.equal(
    process.getuid?.(),
    0,
    "systemd-analyze runs from Debian's systemd in the Synapse root through chroot, which needs root",
  );
  await ensureRootPackage("systemd", (line) => void process.stderr.write(`systemd: ${line}\n`));
  const root = synapseRootDir();
  // verify also checks that ExecStart's program exists: point it at one the root has.
  const dir = await mkdtemp(join(root, "tmp", "anteroom-unit-"));
  try {
    const inRoot = `/tmp/${basename(dir)}/anteroom.service`;
    await writeFile(
      join(root, inRoot),
      text.replace("ExecStart=/usr/bin/node ", "ExecStart=/usr/bin/python3 "),
    );
    const run = await runInRoot("/usr/bin/systemd-analyze", ["verify", inRoot]);
    assert.equal(run.exitCode, 0, String(run.all));
    assert.equal(String(run.all).trim(), "", "systemd-analyze verify complained");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the unit runs the daemon as a plain process, never through npx", () => {
  const start = one("ExecStart") ?? "";
  assert.match(start, /^\/usr\/bin\/node \S*\/bin\/anteroom\.js --daemon$/);
  assert.doesNotMatch(start, /\bnpx\b|\bnpm\b/);
  assert.equal(one("Type"), "exec");
});

test("settings from an env file, restarts on failure but not on a setting to fix", () => {
  assert.equal(one("EnvironmentFile"), "/etc/anteroom/anteroom.env");
  assert.equal(one("Restart"), "on-failure");
  // src/start-failure.ts: exit 2 means a setting or the command line is wrong.
  assert.equal(one("RestartPreventExitStatus"), "2");
  assert.equal(one("User"), "anteroom");
});

test("the sandbox: only the data dir is writable, files are private, no privileges to gain", () => {
  const dataDir = (service.get("Environment") ?? [])
    .map((e) => /^DATA_DIR=(\S+)$/.exec(e)?.[1])
    .find(Boolean);
  assert.equal(dataDir, "/var/lib/anteroom");
  assert.equal(one("ReadWritePaths"), dataDir);
  assert.equal(`/var/lib/${one("StateDirectory")}`, dataDir);
  assert.equal(one("StateDirectoryMode"), "0700");
  for (const [key, value] of [
    ["NoNewPrivileges", "yes"],
    ["ProtectSystem", "strict"],
    ["ProtectHome", "yes"],
    ["PrivateTmp", "yes"],
    ["PrivateDevices", "yes"],
    ["UMask", "0077"],
    ["CapabilityBoundingSet", ""],
  ] as const)
    assert.equal(one(key), value, key);
  // V8 writes machine code at run time: this one would kill node at its first function call.
  assert.equal(one("MemoryDenyWriteExecute"), undefined);
});
