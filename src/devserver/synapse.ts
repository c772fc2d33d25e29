// A real Synapse for integration tests and `anteroom demo`, run from a Debian sid root (see
// provision-synapse.sh and docs "A real homeserver for tests"). Each startHomeserver() gets its own run directory, port
// and SQLite database. With ANTEROOM_TEST_HS + ANTEROOM_TEST_HS_SECRET an existing homeserver is
// used instead (then restart/kill/start are unavailable).

import { createHmac, randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
} from "node:fs";
import { copyFile, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { runProvisionScript } from "./provision.js";
import { errorMessage, sleep } from "./wait.js";
import { packageRoot } from "../package-info.js";

export interface TestUser {
  userId: string;
  accessToken: string;
  deviceId: string;
  password: string;
  localpart: string;
}

export interface TestHomeserver {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  /** "localhost" for the harness's own Synapse. */
  serverName: string;
  /** A registration token (unlimited uses) created at start, for signup tests. */
  registrationToken: string;
  /** A server admin the harness registered at start (used to create the registration token). */
  admin: TestUser;
  /** Run directory on the host (config, database, synapse.log); undefined for an external homeserver. */
  runDir: string | undefined;
  /** Synapse's log (stdout, stderr and its WARNING+ logging); undefined for an external homeserver. */
  logPath: string | undefined;
  /** Pid of the running Synapse, undefined when it is not running (or external). */
  readonly pid: number | undefined;
  /** Registers a user through the shared-secret admin API; a random unique localpart when omitted. */
  registerUser(
    localpart?: string,
    opts?: { admin?: boolean; displayName?: string },
  ): Promise<TestUser>;
  /** SIGTERM, wait for exit (SIGKILL after 10 s). A no-op for an external homeserver. */
  stop(): Promise<void>;
  /** stop() then start() on the same port and database. */
  restart(): Promise<void>;
  /** SIGKILL, wait for exit. */
  kill(): Promise<void>;
  /** Start again (same port, same database) after stop() or kill(); waits until it answers. */
  start(): Promise<void>;
}

export interface StartHomeserverOptions {
  /** Tight rc_message / rc_room_creation / rc_invites / rc_joins (0.5/s, burst 3) so clients get 429s. */
  rateLimited?: boolean;
  /** Extra top-level config keys, merged over the generated ones (shallow). */
  extraConfig?: Record<string, unknown>;
  /** How long to wait for Synapse to answer (default 60 s). */
  startTimeoutMs?: number;
  /** Each line the provisioning script prints while it builds the root (first use only). */
  onProgress?: (line: string) => void;
}

const SYNAPSE_ROOT =
  process.env.ANTEROOM_SYNAPSE_ROOT ?? join(homedir(), ".cache", "anteroom-synapse", "root");
const SYNAPSE_MARKER = join(SYNAPSE_ROOT, "usr/lib/python3/dist-packages/synapse/__init__.py");
const SERVER_NAME = "localhost";
/** Paths inside the chroot. */
const TEMPLATE_DIR = "/srv/template";
const RUNS_DIR = "/srv/runs";
/** Run directories older than this are removed when a new homeserver starts. */
const STALE_RUN_MS = 6 * 60 * 60 * 1000;
const CHROOT_ENV = {
  PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  LANG: "C.UTF-8",
  HOME: "/root",
};

const host = (chrootPath: string): string => join(SYNAPSE_ROOT, chrootPath);
const randomId = (bytes = 6): string => randomBytes(bytes).toString("hex");

// ---------------------------------------------------------------------------------------------
// Orphan protection: whatever happens to the test process, no Synapse survives it.

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

// setpriv --pdeathsig makes the kernel SIGKILL Synapse if this process dies, even by SIGKILL.
// chroot lives in /usr/sbin, which a non-login PATH (CI, cron) may leave out.
const CHROOT =
  ["/usr/sbin/chroot", "/sbin/chroot", "/usr/bin/chroot"].find((p) => existsSync(p)) ?? "chroot";
const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => existsSync(p));

// execa passes any fd number straight to spawn (lib/stdio/handle.js allows up to 2**31-1), but its
// types list only 1..9 for stdout/stderr.
type FdOption = 1;

// ---------------------------------------------------------------------------------------------

/** Where the Synapse root lives (ANTEROOM_SYNAPSE_ROOT, default ~/.cache/anteroom-synapse/root). */
export function synapseRootDir(): string {
  return SYNAPSE_ROOT;
}

/** True when the Synapse root is provisioned (or an existing homeserver is configured). */
export function homeserverReady(): boolean {
  return usesExternalHomeserver() || existsSync(SYNAPSE_MARKER);
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
  const what = existsSync(SYNAPSE_MARKER)
    ? `runs Synapse from ${SYNAPSE_ROOT} in a chroot, which needs root`
    : `builds a Synapse root in ${SYNAPSE_ROOT} (debootstrap, then chroot), which needs root and debootstrap`;
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

// ---------------------------------------------------------------------------------------------
// Shared-secret registration and the start-up admin work (used for both modes).

async function registerWithSharedSecret(
  url: string,
  secret: string,
  localpart: string | undefined,
  opts: { admin?: boolean; displayName?: string } = {},
): Promise<TestUser> {
  const username = localpart ?? `user-${randomId()}`;
  const password = `pw-${randomId(9)}`;
  const endpoint = `${url}/_synapse/admin/v1/register`;
  const nonceRes = await jsonRequest("GET", endpoint);
  const nonce = String(nonceRes.nonce);
  const admin = opts.admin === true;
  const mac = createHmac("sha1", secret)
    .update(`${nonce}\0${username}\0${password}\0${admin ? "admin" : "notadmin"}`)
    .digest("hex");
  const body: Record<string, unknown> = { nonce, username, password, admin, mac };
  if (opts.displayName !== undefined) body.displayname = opts.displayName;
  const res = await jsonRequest("POST", endpoint, body);
  const userId = String(res.user_id);
  return {
    userId,
    accessToken: String(res.access_token),
    deviceId: String(res.device_id),
    password,
    localpart: userId.slice(1, userId.indexOf(":")),
  };
}

async function createRegistrationToken(url: string, admin: TestUser): Promise<string> {
  const res = await jsonRequest(
    "POST",
    `${url}/_synapse/admin/v1/registration_tokens/new`,
    {},
    admin.accessToken,
  );
  return String(res.token);
}

// Admin-API JSON is untyped here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyJson = any;

async function jsonRequest(
  method: string,
  url: string,
  body?: unknown,
  accessToken?: string,
): Promise<AnyJson> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json: AnyJson;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { raw: text };
  }
  if (!res.ok) {
    const path = new URL(url).pathname;
    throw new Error(
      `${method} ${path} → ${res.status} ${json.errcode ?? "(no errcode)"}: ${json.error ?? text.slice(0, 200)}`,
    );
  }
  return json;
}

// ---------------------------------------------------------------------------------------------
// An existing homeserver (ANTEROOM_TEST_HS).

async function useExternalHomeserver(url: string, secret: string): Promise<TestHomeserver> {
  await jsonRequest("GET", `${url}/_matrix/client/versions`).catch((err: unknown) => {
    throw new Error(`ANTEROOM_TEST_HS=${url} does not answer: ${errorMessage(err)}`);
  });
  const admin = await registerWithSharedSecret(url, secret, `harness-admin-${randomId()}`, {
    admin: true,
  });
  const serverName = admin.userId.slice(admin.userId.indexOf(":") + 1);
  const registrationToken = await createRegistrationToken(url, admin);
  const unsupported = (what: string) => async (): Promise<void> => {
    throw new Error(
      `${what}() needs the harness's own Synapse; unset ANTEROOM_TEST_HS / ANTEROOM_TEST_HS_SECRET to run this test (it is using the existing homeserver ${url})`,
    );
  };
  return {
    url,
    serverName,
    registrationToken,
    admin,
    runDir: undefined,
    logPath: undefined,
    pid: undefined,
    registerUser: (localpart, o) => registerWithSharedSecret(url, secret, localpart, o),
    stop: async () => {},
    restart: unsupported("restart"),
    kill: unsupported("kill"),
    start: unsupported("start"),
  };
}

// ---------------------------------------------------------------------------------------------
// The harness's own Synapse in the chroot.

interface Secrets {
  registration_shared_secret: string;
  macaroon_secret_key: string;
  form_secret: string;
}

class SynapseProcess implements TestHomeserver {
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
    private readonly secret: string,
    private readonly startTimeoutMs: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.runDir = host(`${RUNS_DIR}/${runId}`);
    this.logPath = join(this.runDir, "synapse.log");
    this.configPath = `${RUNS_DIR}/${runId}/homeserver.yaml`;
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
    pruneStaleRuns();
    const runId = `${Date.now().toString(36)}-${randomId(4)}`;
    const runDir = `${RUNS_DIR}/${runId}`;
    await mkdir(host(`${runDir}/media_store`), { recursive: true });
    await copyFile(
      host(`${TEMPLATE_DIR}/${SERVER_NAME}.signing.key`),
      host(`${runDir}/${SERVER_NAME}.signing.key`),
    );
    await writeFile(host(`${runDir}/log.config`), logConfigYaml());
    // The port is free when we look; if something grabs it before Synapse binds, try another.
    let hs: SynapseProcess;
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      await writeFile(
        host(`${runDir}/homeserver.yaml`),
        homeserverYaml(runDir, port, template, opts),
      );
      hs = new SynapseProcess(
        port,
        runId,
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
      SYNAPSE_ROOT,
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
      throw new Error(`could not start Synapse (chroot ${SYNAPSE_ROOT}):\n${this.logTail()}`);
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

// ---------------------------------------------------------------------------------------------
// Root, template, config.

let rootChecked = false;
/** Builds the Synapse root on first use (provision-synapse.sh, needs root); a no-op once it exists. */
export async function ensureSynapseRoot(onProgress?: (line: string) => void): Promise<void> {
  if (rootChecked) return;
  if (!existsSync(SYNAPSE_MARKER)) {
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

/**
 * Generates a config once (key generation is the slow part) into /srv/template; per run we copy its
 * signing key and secrets. Concurrent test processes race safely: each generates into its own
 * directory and the first rename wins.
 */
async function ensureTemplate(): Promise<Secrets> {
  const yamlPath = host(`${TEMPLATE_DIR}/homeserver.yaml`);
  if (!existsSync(yamlPath) || !existsSync(host(`${TEMPLATE_DIR}/${SERVER_NAME}.signing.key`))) {
    const tmp = `${TEMPLATE_DIR}.tmp-${randomId()}`;
    await mkdir(host(tmp), { recursive: true });
    const res = await execa(
      CHROOT,
      [
        SYNAPSE_ROOT,
        "python3",
        "-m",
        "synapse.app.homeserver",
        "--server-name",
        SERVER_NAME,
        "--config-path",
        `${tmp}/homeserver.yaml`,
        "--generate-config",
        "--report-stats=no",
        "--data-directory",
        tmp,
      ],
      { reject: false, all: true, extendEnv: false, env: CHROOT_ENV },
    );
    if (res.exitCode !== 0) {
      await rm(host(tmp), { recursive: true, force: true });
      throw new Error(
        `generating the Synapse config template failed:\n${String(res.all ?? "").slice(-3000)}`,
      );
    }
    try {
      await rename(host(tmp), host(TEMPLATE_DIR));
    } catch {
      // another process made the template first
      await rm(host(tmp), { recursive: true, force: true });
    }
  }
  const text = await readFile(yamlPath, "utf8");
  const pick = (key: keyof Secrets): string => {
    const m = new RegExp(`^${key}:\\s*(?:"([^"]*)"|'([^']*)'|(\\S+))\\s*$`, "m").exec(text);
    const value = m?.[1] ?? m?.[2] ?? m?.[3];
    if (!value) throw new Error(`${key} not found in ${yamlPath}`);
    return value;
  };
  return {
    registration_shared_secret: pick("registration_shared_secret"),
    macaroon_secret_key: pick("macaroon_secret_key"),
    form_secret: pick("form_secret"),
  };
}

function pruneStaleRuns(): void {
  const dir = host(RUNS_DIR);
  if (!existsSync(dir)) return;
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    try {
      if (now - statSync(p).mtimeMs > STALE_RUN_MS) rmSync(p, { recursive: true, force: true });
    } catch {
      // raced with another process
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

const HIGH = { per_second: 100_000, burst_count: 100_000 };
const TIGHT = { per_second: 0.5, burst_count: 3 };

/**
 * The whole config, written as JSON (which YAML accepts): no hand-made YAML quoting of secrets.
 * Synapse 1.160 ignores unknown keys silently, so every key here was checked against its
 * synapse/config/*.py.
 */
function homeserverYaml(
  runDir: string,
  port: number,
  secrets: Secrets,
  opts: StartHomeserverOptions,
): string {
  const tight = opts.rateLimited === true;
  const limited = tight ? TIGHT : HIGH;
  const config: Record<string, unknown> = {
    server_name: SERVER_NAME,
    report_stats: false,
    listeners: [
      {
        port,
        bind_addresses: ["127.0.0.1"],
        type: "http",
        tls: false,
        x_forwarded: false,
        resources: [{ names: ["client"], compress: false }],
      },
    ],
    database: { name: "sqlite3", args: { database: `${runDir}/homeserver.db` } },
    log_config: `${runDir}/log.config`,
    media_store_path: `${runDir}/media_store`,
    signing_key_path: `${runDir}/${SERVER_NAME}.signing.key`,
    registration_shared_secret: secrets.registration_shared_secret,
    macaroon_secret_key: secrets.macaroon_secret_key,
    form_secret: secrets.form_secret,
    trusted_key_servers: [],
    suppress_key_server_warning: true,
    enable_registration: true,
    registration_requires_token: true,
    enable_registration_without_verification: true,
    default_room_version: "11",
    bcrypt_rounds: 4,
    caches: { sync_response_cache_duration: 0 },
    presence: { enabled: false },
    // Rate limits: all raised, except the ones rateLimited tightens.
    rc_message: limited,
    rc_room_creation: limited,
    rc_invites: { per_room: limited, per_user: limited, per_issuer: limited },
    rc_joins: { local: limited, remote: limited },
    rc_joins_per_room: limited,
    rc_registration: HIGH,
    rc_registration_token_validity: HIGH,
    rc_login: { address: HIGH, account: HIGH, failed_attempts: HIGH },
    rc_admin_redaction: HIGH,
    rc_3pid_validation: HIGH,
    rc_third_party_invite: HIGH,
    rc_key_requests: HIGH,
    rc_media_create: HIGH,
    rc_presence: { per_user: HIGH },
    rc_delayed_event_mgmt: HIGH,
    rc_reports: HIGH,
    rc_user_directory: HIGH,
    rc_federation: {
      window_size: 1000,
      sleep_limit: 100_000,
      sleep_delay: 1,
      reject_limit: 100_000,
      concurrent: 100_000,
    },
    ...opts.extraConfig,
  };
  return `# Generated by src/devserver/synapse.ts (JSON is valid YAML)\n${JSON.stringify(config, null, 2)}\n`;
}

/** WARNING and above to stderr, which goes to synapse.log in the run directory. */
function logConfigYaml(): string {
  const config = {
    version: 1,
    formatters: {
      precise: {
        format: "%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s",
      },
    },
    handlers: {
      console: { class: "logging.StreamHandler", formatter: "precise", stream: "ext://sys.stderr" },
    },
    loggers: { "synapse.storage.SQL": { level: "WARNING" } },
    root: { level: "WARNING", handlers: ["console"] },
    disable_existing_loggers: false,
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
