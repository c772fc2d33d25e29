// The command line as a person meets it: `anteroom` spawned in a folder of their own, its exit
// status and what it prints. A mistake gets one readable line and exit 2, never a stack trace.

import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, test } from "node:test";
import { execa } from "execa";
import { DataDirUnwritableError } from "../../src/store/data-dir.js";
import { explainFailure } from "../../src/start-failure.js";
import { consoleModerator, moderatorName, rememberedNameFile } from "../../src/moderator-name.js";

const CLI = fileURLToPath(new URL("../../src/entry/cli.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");
const folders: string[] = [];

after(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

/** A fresh working directory, with an optional .env in it. */
async function folder(envFile?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-cli-"));
  folders.push(dir);
  if (envFile !== undefined) await writeFile(join(dir, ".env"), envFile, { mode: 0o600 });
  return dir;
}

/** `anteroom ARGS` in `cwd` with only `env` (and PATH) set. */
async function anteroom(cwd: string, args: string[], env: Record<string, string> = {}) {
  const run = await execa(process.execPath, ["--import", TSX, CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: cwd, CI: "true", ...env },
    extendEnv: false,
    reject: false,
    stdin: "ignore",
    timeout: 30_000,
  });
  return { code: run.exitCode, out: String(run.stdout), err: String(run.stderr) };
}

function assertNoStackTrace(text: string): void {
  assert.doesNotMatch(text, /^\s+at /m, `a stack trace reached the person:\n${text}`);
}

const DAEMON_ENV = { HS: "http://127.0.0.1:9", MATRIX_TOKEN: "t", SPACE_ID: "!s:example.org" };

test("an unknown option says which, prints the usage and exits 2", async () => {
  const run = await anteroom(await folder(), ["--bogus"]);
  assert.equal(run.code, 2);
  assert.equal(run.err.split("\n")[0], "anteroom: unknown option: --bogus");
  assert.match(run.err, /usage:\n {2}anteroom /);
  assertNoStackTrace(run.err);
});

test("every command has its own --help, and it needs no settings", async () => {
  const cwd = await folder();
  const helps: [string[], RegExp][] = [
    [["--help"], /^anteroom — the gatekeeper/],
    [["--daemon", "--help"], /^anteroom --daemon — the engine headless/],
    [["demo", "--help"], /^anteroom demo — anteroom on a local Synapse/],
    [["init", "--help"], /^anteroom init — make \(or finish\)/],
  ];
  for (const [args, first] of helps) {
    const run = await anteroom(cwd, args);
    assert.equal(run.code, 0, `${args.join(" ")}: ${run.err}`);
    assert.match(run.out, first, args.join(" "));
  }
});

test("missing settings are named, with where to set them, and exit 2", async () => {
  const run = await anteroom(await folder(), ["--daemon"]);
  assert.equal(run.code, 2);
  assert.match(run.err, /^ {2}HS is not set: the homeserver URL/m);
  assert.match(run.err, /^ {2}MATRIX_TOKEN is not set/m);
  assert.match(
    run.err,
    /^set HS, MATRIX_TOKEN, SPACE_ID in `\.env` or the environment \(deploy\/\.env\.example lists them; `anteroom init` writes them\)$/m,
  );
  assertNoStackTrace(run.err);
});

test("HS is checked as init checks it: an address without http(s) is refused", async () => {
  const run = await anteroom(await folder(), ["--daemon"], {
    ...DAEMON_ENV,
    HS: "matrix.example.org",
  });
  assert.equal(run.code, 2);
  assert.match(run.err, /HS: "matrix\.example\.org" is not an http\(s\) URL/);
  const init = await anteroom(await folder(), ["init", "--hs", "matrix.example.org"]);
  assert.equal(init.code, 2);
  assert.match(init.err, /--hs \(or HS\): "matrix\.example\.org" is not an http\(s\) URL/);
});

test("the daemon reads .env from its working directory, and the environment wins over it", async () => {
  // Proven through the settings check: the file's HS is read, the environment's SPACE_ID wins.
  const cwd = await folder("HS='not a url'\nMATRIX_TOKEN=t\nSPACE_ID=bad\n");
  const run = await anteroom(cwd, ["--daemon"], { SPACE_ID: "!fine:example.org" });
  assert.equal(run.code, 2);
  assert.match(run.err, /HS: "not a url" is not an http\(s\) URL/);
  assert.doesNotMatch(run.err, /SPACE_ID/);
  assertNoStackTrace(run.err);
});

test("ANTEROOM_ENV_FILE names the settings file; a named file that is missing is an error", async () => {
  const cwd = await folder("HS=http://ignored.example\n");
  await writeFile(join(cwd, "prod.env"), "HS=ftp://from-the-named-file\n");
  const named = await anteroom(cwd, ["--daemon"], { ANTEROOM_ENV_FILE: "prod.env" });
  assert.equal(named.code, 2);
  assert.match(named.err, /HS: "ftp:\/\/from-the-named-file" is not an http\(s\) URL/);

  const missing = await anteroom(cwd, ["--daemon"], { ANTEROOM_ENV_FILE: "gone.env" });
  assert.equal(missing.code, 2);
  assert.equal(
    missing.err.trim(),
    `ANTEROOM_ENV_FILE names ${join(cwd, "gone.env")}, which does not exist: fix the path or unset ANTEROOM_ENV_FILE to read .env from the working directory`,
  );
});

test("a data dir this user cannot write gets one line that says to set DATA_DIR, exit 2", async () => {
  const cwd = await folder();
  await writeFile(join(cwd, "a-file"), "");
  const run = await anteroom(cwd, ["--daemon"], {
    ...DAEMON_ENV,
    DATA_DIR: join(cwd, "a-file", "data"),
    LOG_LEVEL: "silent",
  });
  assert.equal(run.code, 2);
  assert.equal(
    run.err.trim(),
    `this user cannot write the data dir ${join(cwd, "a-file", "data")} (ENOTDIR): set DATA_DIR in .env or the environment to a folder it can write`,
  );
  // --debug adds where it failed, for a bug report.
  const debug = await anteroom(cwd, ["--daemon", "--debug"], {
    ...DAEMON_ENV,
    DATA_DIR: join(cwd, "a-file", "data"),
    LOG_LEVEL: "silent",
  });
  assert.equal(debug.code, 2);
  assert.match(debug.err, /^this user cannot write the data dir/);
  assert.match(debug.err, /^\s+at prepareDataDir /m);
});

test("without DATA_DIR, an unwritable /data (a non-root user) is explained in one line", () => {
  const failure = explainFailure(new DataDirUnwritableError("/data", "EACCES"), {});
  assert.equal(failure.exitCode, 2);
  assert.match(
    failure.message,
    /^DATA_DIR is not set, and this user cannot write the default \/data \(EACCES\): set DATA_DIR in \.env or the environment/,
  );
  assert.doesNotMatch(failure.message, /\n/);
});

test("an unexpected failure is one line and exit 1; its stack only with --debug", () => {
  const failure = explainFailure(new TypeError("boom"), {});
  assert.equal(failure.exitCode, 1);
  assert.equal(
    failure.message,
    "anteroom stopped: boom (run it again with --debug for the details)",
  );
});

test("who acts at the console: --as, else ANTEROOM_MODERATOR, else the login name", () => {
  const env = { USER: "node", ANTEROOM_MODERATOR: "bob" };
  assert.equal(moderatorName("alice", env), "alice");
  assert.equal(moderatorName(undefined, env), "bob");
  assert.equal(moderatorName(undefined, { USER: "node" }), "node");
  assert.throws(() => moderatorName(" ", env), /--as: give a name of 1 to 64 printable/);
  assert.throws(
    () => moderatorName(undefined, { ANTEROOM_MODERATOR: "a\x1b[2Jb" }),
    /ANTEROOM_MODERATOR: give a name/,
  );
});

test("--print-config prints the console's defaults as its config file takes them, and where it is", async () => {
  const cwd = await folder();
  const run = await anteroom(cwd, ["--print-config"]);
  assert.equal(run.code, 0, run.err);
  const printed = JSON.parse(run.out) as {
    theme: string;
    view: string;
    keys: Record<string, string[]>;
  };
  assert.equal(printed.theme, "dark");
  assert.equal(printed.view, "knocks");
  assert.deepEqual(printed.keys.approve, ["a"]);
  assert.deepEqual(printed.keys.quit, ["q", "ctrl+c"]);
  assert.match(
    run.err,
    new RegExp(`reads this from ${join(cwd, ".config/anteroom/config.json")} `),
  );
  const moved = await anteroom(cwd, ["--print-config"], { ANTEROOM_CONFIG_DIR: join(cwd, "cfg") });
  assert.match(moved.err, new RegExp(`reads this from ${join(cwd, "cfg/config.json")} `));
});

test("a bad key map in the console's config file: one line naming it, exit 2, nothing drawn", async () => {
  const cwd = await folder();
  const file = join(cwd, "config.json");
  await writeFile(file, JSON.stringify({ keys: { approve: ["x"] } }), { mode: 0o600 });
  const run = await anteroom(cwd, [], { ANTEROOM_CONFIG_DIR: cwd });
  assert.equal(run.code, 2);
  assert.equal(
    run.err,
    `anteroom: ${file}: keys: "x" is taken twice on the knocks screen: by "approve" and "reject"; fix it or remove it`,
  );
  assert.equal(run.out, "");
});

test("--as goes with the console: with --daemon it is a usage error", async () => {
  const run = await anteroom(await folder(), ["--daemon", "--as", "alice"]);
  assert.equal(run.code, 2);
  assert.match(run.err.split("\n")[0] ?? "", /^anteroom: --as names who acts at the console/);
});

test("logged in as a service account (node, root), the console asks once who you are and remembers", async () => {
  const home = await folder();
  const env = { USER: "node", HOME: home };
  const asked: string[] = [];
  const said: string[] = [];
  const answers = ["  ", "alice"];
  const ask = async (question: string) => {
    asked.push(question);
    return answers.shift() ?? "";
  };
  const say = (line: string) => said.push(line);
  assert.equal(await consoleModerator({ as: undefined, env, ask, say }), "alice");
  assert.equal(asked.length, 2, "a blank answer is asked again");
  assert.match(asked[0] ?? "", /You are logged in as node\. Your name for the audit log/);
  assert.equal((await stat(rememberedNameFile(env))).mode & 0o777, 0o600);

  // The next start: remembered, nothing asked; --as and ANTEROOM_MODERATOR still win.
  const never = () => Promise.reject(new Error("asked again"));
  assert.equal(await consoleModerator({ as: undefined, env, ask: never, say }), "alice");
  assert.equal(await consoleModerator({ as: "bob", env, ask: never, say }), "bob");
  assert.equal(
    await consoleModerator({
      as: undefined,
      env: { ...env, ANTEROOM_MODERATOR: "carol" },
      ask: never,
      say,
    }),
    "carol",
  );
  // A person's own login is never questioned.
  assert.equal(
    await consoleModerator({ as: undefined, env: { USER: "dave", HOME: home }, ask: never, say }),
    "dave",
  );
});

test("a name remembered before the console's config file existed is kept, and moved into it", async () => {
  const home = await folder();
  const env = { USER: "root", HOME: home };
  await mkdir(join(home, ".config", "anteroom"), { recursive: true });
  await writeFile(join(home, ".config", "anteroom", "moderator"), "alice\n");
  const never = () => Promise.reject(new Error("asked again"));
  const say = () => {};
  assert.equal(await consoleModerator({ as: undefined, env, ask: never, say }), "alice");
  const saved = JSON.parse(await readFile(rememberedNameFile(env), "utf8")) as {
    moderator: string;
  };
  assert.equal(saved.moderator, "alice");
});
