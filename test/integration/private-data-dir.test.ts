// Moderators share the machine: a daemon started under the usual umask 022 keeps everything in
// DATA_DIR private (folders 0700, files 0600) through a vetted knock, in a fresh dir and in one
// carried over from the reference approver with 0644 files. And no open door: settings that would
// leave one refuse to start (exit 2, one line), and an unconfigured /hooks/form is a 404.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { Newcomer, haikuWith } from "../harness/newcomer-flow.js";
import { waitFor } from "../harness/wait.js";

/** Runs the daemon as a moderator's shell would: umask 022, under which 0666 files are world-readable. */
const UMASK_022 = ["sh", "-c", 'umask 022; exec "$@"', "sh"];

let hs: TestHomeserver;
let fresh: { community: TestCommunity; daemon: TestDaemon };
let carried: { community: TestCommunity; daemon: TestDaemon };

/** The reference approver's files, as it left them: 0644 in a 0755 dir. */
async function referenceDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-reference-"));
  await chmod(dir, 0o755);
  const codes = { REFCODE: { uses_remaining: 5, label: "from the reference" } };
  await writeFile(join(dir, "codes.json"), JSON.stringify(codes), { mode: 0o644 });
  await writeFile(join(dir, "signup_codes.json"), "{}", { mode: 0o644 });
  await writeFile(join(dir, "log.jsonl"), '{"ts":1700000000,"type":"approved"}\n', {
    mode: 0o644,
  });
  await mkdir(join(dir, "backups"), { mode: 0o755 });
  await writeFile(join(dir, "backups", "codes.json.1"), JSON.stringify(codes), { mode: 0o644 });
  await chmod(join(dir, "codes.json"), 0o644); // in case the test runner's own umask is tighter
  return dir;
}

before(async () => {
  hs = await startHomeserver();
  const [a, b] = await Promise.all([
    createCommunity(hs, { children: 1 }),
    createCommunity(hs, { children: 1 }),
  ]);
  const parent = await mkdtemp(join(tmpdir(), "anteroom-fresh-"));
  await chmod(parent, 0o755);
  const [fd, cd] = await Promise.all([
    TestDaemon.start(hs, a, {
      dataDir: join(parent, "data"), // not there yet: the daemon makes it
      wrapper: UMASK_022,
      env: { INITIAL_CODES: JSON.stringify({ FRIENDS: { uses_remaining: 5, label: "f" } }) },
    }),
    TestDaemon.start(hs, b, {
      dataDir: await referenceDataDir(),
      wrapper: UMASK_022,
      env: { FORM_SECRET: "form-signing-secret", FORM_FIELD_MXID: "mxid" },
    }),
  ]);
  fresh = { community: a, daemon: fd };
  carried = { community: b, daemon: cd };
});

after(async () => {
  await Promise.all([fresh?.daemon.stop(), carried?.daemon.stop()]);
  await hs?.stop();
});

/** Every path in `dir` (itself included) that group or others may read, write or enter. */
async function sharedPaths(dir: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (path: string, name: string): Promise<void> => {
    const stats = await stat(path);
    if ((stats.mode & 0o077) !== 0) found.push(`${name} (${(stats.mode & 0o777).toString(8)})`);
    if (stats.isDirectory())
      for (const entry of await readdir(path)) await visit(join(path, entry), join(name, entry));
  };
  await visit(dir, ".");
  return found;
}

async function vetOneKnock(community: TestCommunity, code: string): Promise<void> {
  const newcomer = await Newcomer.register(hs, community, "Grace");
  await newcomer.knock(code);
  const challenge = await newcomer.readChallenge();
  await newcomer.reply(challenge, haikuWith(challenge.keyword));
  await newcomer.botSays(challenge, /^passed!/);
  await newcomer.client.waitForInvite(community.spaceId);
}

function umaskOf(pid: number | undefined): Promise<string | undefined> {
  return readFile(`/proc/${pid}/status`, "utf8").then(
    (text) => /^Umask:\s*(\d+)/m.exec(text)?.[1],
    () => undefined,
  );
}

test("started under umask 022 in a fresh dir, the daemon leaves nothing readable by others after a vetted knock", async () => {
  const { daemon, community } = fresh;
  assert.equal(await umaskOf(daemon.pid), "0077", "the daemon runs with umask 077");
  await vetOneKnock(community, "FRIENDS");
  // The sync state and the quiet-time compaction of the vetting book are written too.
  await waitFor(async () => (await readdir(daemon.dataDir)).includes("vetting.json"), {
    what: "the vetting book's base file",
    timeoutMs: 20_000,
  });
  const files = await readdir(daemon.dataDir);
  for (const name of ["anteroom.lock", "admin.sock", "codes.json", "log.jsonl", "sync.json"])
    assert.ok(files.includes(name), `${name} in ${files.join(", ")}`);
  assert.deepEqual(await sharedPaths(daemon.dataDir), []);
  assert.equal(daemon.logged(/made it private/), false, "nothing to tighten in a fresh dir");
});

test("a reference data dir with 0644 files is made private on the first start, in one log line", async () => {
  const { daemon, community } = carried;
  const line = daemon.logs.find((l) => /made it private/.test(String(l.msg)));
  assert.ok(line, "a log line says what was tightened");
  assert.deepEqual([...(line.tightened as string[])].sort(), [
    ".",
    "backups",
    "backups/codes.json.1",
    "codes.json",
    "log.jsonl",
    "signup_codes.json",
  ]);
  assert.equal(daemon.logs.filter((l) => /made it private/.test(String(l.msg))).length, 1);
  await vetOneKnock(community, "REFCODE");
  assert.deepEqual(await sharedPaths(daemon.dataDir), []);
});

test("/hooks/form is a 404 unless the form hook is configured", async () => {
  const post = (daemon: TestDaemon) =>
    fetch(`${daemon.url}/hooks/form`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ mxid: "@made-up:localhost" }),
    });
  assert.equal((await post(fresh.daemon)).status, 404);
  // Configured (a secret), the same unsigned post is refused for its missing signature.
  assert.equal((await post(carried.daemon)).status, 401);
});

test("settings that would leave a door open refuse to start: exit 2, one line saying why", async () => {
  const refusals: [Record<string, string>, RegExp][] = [
    [
      { FORM_MODE: "invite" },
      /^anteroom cannot start: FORM_MODE=invite .* needs FORM_SECRET .*; set it, or use FORM_MODE=queue\n$/,
    ],
    [
      { ADMIN_HTTP_PORT: "18099", ADMIN_TOKEN: "t".repeat(32), ADMIN_HTTP_HOST: "0.0.0.0" },
      /^anteroom cannot start: ADMIN_HTTP_HOST=0\.0\.0\.0 puts the admin API on the network; set ADMIN_HTTP_PUBLIC=1 .*\n$/,
    ],
  ];
  for (const [env, message] of refusals) {
    const daemon = await TestDaemon.start(hs, fresh.community, { env, waitReady: false });
    const { exitCode, stderr } = await daemon.exited();
    assert.equal(exitCode, 2, stderr);
    assert.match(stderr, message);
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
  }
});
