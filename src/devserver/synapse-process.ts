// The harness's own Synapse as a process: started in the root with chroot on a free port, waited
// on until it answers, stopped, killed and started again on the same port and database. Whatever
// happens to the test process, no Synapse survives it.

import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import {
  createRegistrationToken,
  randomId,
  registerWithSharedSecret,
} from "./synapse-admin-api.js";
import { ensureTemplate, SERVER_NAME, writeHomeserverConfig } from "./synapse-config.js";
import {
  CHROOT,
  CHROOT_ENV,
  ensureSynapseRoot,
  inRoot,
  SETPRIV,
  synapseRootDir,
} from "./synapse-root.js";
import { makeRunDir } from "./synapse-run-dir.js";
import type { StartHomeserverOptions, TestHomeserver, TestUser } from "./test-homeserver.js";
import { errorMessage, sleep } from "./wait.js";

// Orphan protection: the exit hook kills every Synapse still running.
const livePids = new Set<number>();
let exitHookInstalled = false;
function trackPid(pid: number): void {
  livePids.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const p of livePids) {
      try {
        process.kill(p, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

// execa passes any fd number straight to spawn (lib/stdio/handle.js allows up to 2**31-1), but its
// types list only 1..9 for stdout/stderr.
type FdOption = 1;

export class SynapseProcess implements TestHomeserver {
  url: string;
  serverName = SERVER_NAME;
  registrationToken = "";
  admin!: TestUser;
  runDir: string;
  logPath: string;
  private readonly configPath: string; // inside the chroot
  private subprocess: ResultPromise | undefined;
  private exited: Promise<void> | undefined;

  private constructor(
    private readonly port: number,
    private readonly runId: string,
    chrootRunDir: string,
    private readonly secret: string,
    private readonly startTimeoutMs: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.runDir = inRoot(chrootRunDir);
    this.logPath = join(this.runDir, "synapse.log");
    this.configPath = `${chrootRunDir}/homeserver.yaml`;
  }

  get pid(): number | undefined {
    return this.subprocess?.pid;
  }

  static async create(opts: StartHomeserverOptions): Promise<SynapseProcess> {
    if (process.getuid?.() !== 0) {
      throw new Error(
        "the Synapse test harness needs root (it runs Synapse in a chroot); or point ANTEROOM_TEST_HS and ANTEROOM_TEST_HS_SECRET at an existing homeserver",
      );
    }
    await ensureSynapseRoot(opts.onProgress);
    const template = await ensureTemplate();
    const { runId, runDir } = await makeRunDir();
    // The port is free when we look; if something grabs it before Synapse binds, try another.
    let hs: SynapseProcess;
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      await writeHomeserverConfig(runDir, port, template, opts);
      hs = new SynapseProcess(
        port,
        runId,
        runDir,
        template.registration_shared_secret,
        opts.startTimeoutMs ?? 60_000,
      );
      try {
        await hs.start();
        break;
      } catch (err) {
        if (
          attempt >= 3 ||
          !/Address already in use|Failed to listen on TCP port/i.test(errorMessage(err))
        )
          throw err;
      }
    }
    try {
      hs.admin = await hs.registerUser(`harness-admin-${randomId(3)}`, { admin: true });
      hs.registrationToken = await createRegistrationToken(hs.url, hs.admin);
    } catch (err) {
      await hs.stop();
      throw err;
    }
    return hs;
  }

  registerUser(
    localpart?: string,
    opts?: { admin?: boolean; displayName?: string },
  ): Promise<TestUser> {
    return registerWithSharedSecret(this.url, this.secret, localpart, opts);
  }

  async start(): Promise<void> {
    if (this.subprocess)
      throw new Error(`Synapse ${this.runId} is already running (pid ${this.subprocess.pid})`);
    const started = Date.now();
    const logFd = openSync(this.logPath, "a");
    const args = [
      CHROOT,
      synapseRootDir(),
      "python3",
      "-m",
      "synapse.app.homeserver",
      "-c",
      this.configPath,
    ];
    const [file, ...rest] = SETPRIV ? [SETPRIV, "--pdeathsig", "KILL", ...args] : args;
    let subprocess: ResultPromise;
    try {
      subprocess = execa(file!, rest, {
        stdin: "ignore",
        stdout: logFd as FdOption,
        stderr: logFd as FdOption,
        reject: false,
        extendEnv: false,
        env: CHROOT_ENV,
        cleanup: true,
        forceKillAfterDelay: false,
      });
    } finally {
      closeSync(logFd);
    }
    const pid = subprocess.pid;
    if (pid === undefined) {
      await subprocess;
      throw new Error(`could not start Synapse (chroot ${synapseRootDir()}):\n${this.logTail()}`);
    }
    trackPid(pid);
    subprocess.nodeChildProcess.unref(); // a forgotten homeserver must not keep the test process alive; the exit hook kills it
    this.subprocess = subprocess;
    let hasExited = false;
    this.exited = subprocess.then(() => {
      hasExited = true;
      livePids.delete(pid);
      if (this.subprocess === subprocess) this.subprocess = undefined;
    });

    const deadline = started + this.startTimeoutMs;
    for (;;) {
      if (hasExited) {
        throw new Error(
          `Synapse exited during start-up (see ${this.logPath}); last lines:\n${this.logTail()}`,
        );
      }
      try {
        const res = await fetch(`${this.url}/_matrix/client/versions`, {
          signal: AbortSignal.timeout(2_000),
        });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(
          `Synapse did not answer on ${this.url} within ${this.startTimeoutMs} ms (see ${this.logPath}); last lines:\n${this.logTail()}`,
        );
      }
      await sleep(40);
    }
  }

  async stop(): Promise<void> {
    const sub = this.subprocess;
    if (!sub) return;
    sub.nodeChildProcess.ref(); // an unref'd child's exit would not keep the event loop alive
    sub.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.exited!.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), 10_000))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      sub.kill("SIGKILL");
      await this.exited;
    }
  }

  async kill(): Promise<void> {
    const sub = this.subprocess;
    if (!sub) return;
    sub.nodeChildProcess.ref();
    sub.kill("SIGKILL");
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private logTail(lines = 30): string {
    try {
      const text = readFileSync(this.logPath, "utf8").trimEnd();
      return text.split("\n").slice(-lines).join("\n") || "(log is empty)";
    } catch (err) {
      return `(no log: ${errorMessage(err)})`;
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr && typeof addr === "object") resolve(addr.port);
        else reject(new Error("could not find a free port"));
      });
    });
  });
}
