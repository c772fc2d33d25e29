/**
 * The test command (`npm test`): unit tests, console tests, then integration tests against a
 * real Synapse (provisioned by test/harness on first use), one file at a time.
 * Ends with one line `N passed, N failed` for CI.
 */
import { run } from "node:test";
import { spec } from "node:test/reporters";
import { glob } from "node:fs/promises";

const only = process.argv.slice(2);

async function files(pattern: string): Promise<string[]> {
  const found: string[] = [];
  for await (const file of glob(pattern)) found.push(file);
  return found.sort().filter((file) => only.length === 0 || only.some((o) => file.includes(o)));
}

let passed = 0;
let failed = 0;

async function suite(name: string, testFiles: string[], concurrency: number): Promise<void> {
  if (testFiles.length === 0) return;
  console.log(`\n== ${name}: ${testFiles.length} files`);
  const stream = run({
    files: testFiles,
    concurrency,
    execArgv: ["--import", "tsx"],
    // A file ends when its tests do: matrix-js-sdk leaves 80–110 s request timers behind a stopped client.
    forceExit: true,
  });
  stream.on("test:pass", (event) => {
    if (event.nesting === 0 && !event.skip && !event.todo) passed++;
  });
  stream.on("test:fail", (event) => {
    if (event.nesting === 0) failed++;
  });
  await new Promise<void>((resolve, reject) => {
    stream
      .compose(spec)
      .on("data", (chunk: string) => process.stdout.write(chunk))
      .on("end", resolve)
      .on("error", reject);
  });
}

await suite("unit", await files("test/unit/**/*.test.ts"), 2);
await suite("console", await files("test/ui/**/*.test.{ts,tsx}"), 2);
await suite("integration (real Synapse)", await files("test/integration/**/*.test.ts"), 1);
await suite("e2e (tmux)", await files("test/e2e/**/*.e2e.test.ts"), 1);
console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
