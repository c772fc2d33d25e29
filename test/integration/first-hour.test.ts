// The operator's first hour, as the README tells it: in an empty folder, `anteroom init …
// --write-env .env`, then `anteroom --daemon` with nothing but that .env in its working
// directory. And the first mistakes: a token the homeserver refuses, a homeserver that is down.

import assert from "node:assert/strict";
import { appendFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { execa, type ResultPromise } from "execa";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { freePort } from "../harness/daemon.js";
import { waitFor } from "../harness/wait.js";

const CLI = fileURLToPath(new URL("../../src/entry/cli.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");

let hs: TestHomeserver;
const folders: string[] = [];
const running: ResultPromise[] = [];

before(async () => {
  hs = await startHomeserver();
});

after(async () => {
  for (const child of running) child.kill("SIGTERM");
  await Promise.allSettled(running);
  await hs?.stop();
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

async function emptyFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-first-hour-"));
  folders.push(dir);
  return dir;
}

/** `anteroom ARGS` in `cwd`, with no setting in its environment. */
function anteroom(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
  opts: { readonly follow?: boolean } = {},
) {
  const child = execa(process.execPath, ["--import", TSX, CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: cwd, CI: "true", ...env },
    extendEnv: false,
    reject: false,
    stdin: "ignore",
    timeout: 120_000,
    // A process the test follows line by line is read here, not collected by execa.
    buffer: !opts.follow,
  });
  running.push(child);
  return child;
}

test("README steps 1 and 2: init writes .env in an empty folder, and the daemon started there is ready", async () => {
  const cwd = await emptyFolder();
  const init = await anteroom(cwd, [
    "init",
    "--hs",
    hs.url,
    "--registration-token",
    hs.registrationToken,
    "--username",
    "first-hour-bot",
    "--data-dir",
    "./data",
    "--write-env",
    ".env",
  ]);
  assert.equal(init.exitCode, 0, `${init.stdout}\n${init.stderr}`);
  assert.match(
    String(init.stdout),
    /wrote HS, MATRIX_TOKEN, SPACE_ID, SPACE_CHILD_IDS, DATA_DIR to \.env/,
  );

  // The one thing an operator on a shared machine edits: the sidecar's port.
  const port = await freePort();
  await appendFile(join(cwd, ".env"), `HTTP_PORT=${port}\nHTTP_HOST=127.0.0.1\n`);
  const daemon = anteroom(cwd, ["--daemon"], {}, { follow: true });
  let log = "";
  let exited = false;
  void daemon.then(() => (exited = true));
  daemon.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
  await waitFor(
    async () => {
      if (exited) throw new Error(`the daemon exited: ${log}`);
      const answer = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      return answer?.status === 200;
    },
    { what: "the daemon's /healthz to answer 200", timeoutMs: 60_000, intervalMs: 100 },
  );
  // Its start log names the file the settings came from, and it uses the data dir init chose.
  const started = log
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { msg: string; envFile?: string; dataDir?: string })
    .find((line) => line.msg === "anteroom daemon started");
  assert.equal(started?.envFile, join(cwd, ".env"));
  assert.equal(started?.dataDir, join(cwd, "data"));
  daemon.kill("SIGTERM");
  assert.equal((await daemon).exitCode, 0);
});

test("a token the homeserver refuses stops the daemon with one line that says what to do, exit 2", async () => {
  const cwd = await emptyFolder();
  const run = await anteroom(cwd, ["--daemon"], {
    HS: hs.url,
    MATRIX_TOKEN: "syt_not_a_real_token",
    SPACE_ID: "!nowhere:localhost",
    DATA_DIR: join(cwd, "data"),
    HTTP_PORT: String(await freePort()),
    LOG_LEVEL: "silent",
  });
  const stderr = String(run.stderr).trim();
  assert.equal(run.exitCode, 2, stderr);
  assert.match(
    stderr,
    /^the homeserver \S+ refuses MATRIX_TOKEN \(M_UNKNOWN_TOKEN: .*\): run `anteroom init` again to log the bot in and write a new token to \.env, or set a valid MATRIX_TOKEN/,
  );
  assert.equal(stderr.split("\n").length, 1);
  assert.doesNotMatch(stderr, /^\s+at /m);
});

test("a homeserver that does not answer: the daemon keeps trying and its log says what to check", async () => {
  const cwd = await emptyFolder();
  const daemon = anteroom(
    cwd,
    ["--daemon"],
    {
      HS: `http://127.0.0.1:${await freePort()}`,
      MATRIX_TOKEN: "t",
      SPACE_ID: "!nowhere:localhost",
      DATA_DIR: join(cwd, "data"),
      HTTP_PORT: String(await freePort()),
    },
    { follow: true },
  );
  let log = "";
  daemon.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
  await waitFor(() => log.includes("check HS and that the homeserver runs"), {
    what: "the log line about the unreachable homeserver",
    timeoutMs: 30_000,
  });
  daemon.kill("SIGTERM");
  await daemon;
  assert.doesNotMatch(log, /^\s+at /m);
});
