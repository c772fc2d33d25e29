import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { runDemo } from "../../src/entry/demo/run-demo.js";
import { provisionScriptPath } from "../../src/devserver/synapse-root.js";

test("`anteroom demo --no-console` prints each newcomer's outcome and exits 0", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "anteroom-demo-test-"));
  try {
    const run = await execa(
      process.execPath,
      ["--import", "tsx", "src/entry/cli.ts", "demo", "--no-console"],
      {
        reject: false,
        timeout: 150_000,
        env: { ANTEROOM_DEMO_DATA_DIR: dataDir, CI: "true" },
      },
    );
    const output = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.exitCode, 0, output);
    const lines = run.stdout.split("\n");
    const expect = (pattern: RegExp) =>
      assert.ok(
        lines.some((line) => pattern.test(line)),
        `no line matches ${pattern}:\n${output}`,
      );
    expect(/^ok {3}Ada \(answers well\) +→ invited to the space$/);
    expect(/^ok {3}Bert \(answers badly\) +→ knock denied, out of tries — "the haiku challenge/);
    expect(/^ok {3}Cleo \(wrong code\) +→ knock denied at once — "that invite code is not valid/);
    expect(/^ok {3}Dara \(no code\) +→ held for a moderator/);
    expect(/^ok {3}Eli \(never answers\) +→ vetting room open/);
    expect(/^demo passed: 5 of 5 newcomers reached their expected outcome$/);
    assert.ok(!lines.some((line) => line.startsWith("FAIL")), output);
    // The engine ran on the demo data dir and let go of it.
    const log = await readFile(join(dataDir, "log.jsonl"), "utf8");
    for (const type of ["promoted", "vetting_failed", "knock_rejected", "knock_held"])
      assert.match(log, new RegExp(`"type":"${type}"`));
    assert.equal(existsSync(join(dataDir, "anteroom.lock")), false);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("without root or an existing homeserver, the demo says what it needs and exits 2", async () => {
  const saved = {
    getuid: Object.getOwnPropertyDescriptor(process, "getuid"),
    hs: process.env.ANTEROOM_TEST_HS,
    secret: process.env.ANTEROOM_TEST_HS_SECRET,
  };
  Object.defineProperty(process, "getuid", { value: () => 1000, configurable: true });
  delete process.env.ANTEROOM_TEST_HS;
  delete process.env.ANTEROOM_TEST_HS_SECRET;
  const errors: string[] = [];
  try {
    const code = await runDemo({
      console: false,
      by: "test",
      out: () => {},
      err: (line) => errors.push(line),
    });
    assert.equal(code, 2);
    assert.match(errors.join("\n"), /needs root/);
    assert.match(errors.join("\n"), /ANTEROOM_TEST_HS .*ANTEROOM_TEST_HS_SECRET/);
  } finally {
    if (saved.getuid) Object.defineProperty(process, "getuid", saved.getuid);
    if (saved.hs !== undefined) process.env.ANTEROOM_TEST_HS = saved.hs;
    if (saved.secret !== undefined) process.env.ANTEROOM_TEST_HS_SECRET = saved.secret;
  }
});

test("the provisioning script is found from the repository root", () => {
  assert.ok(existsSync(provisionScriptPath()), provisionScriptPath());
  assert.match(provisionScriptPath(), /src\/devserver\/provision-synapse\.sh$/);
});
