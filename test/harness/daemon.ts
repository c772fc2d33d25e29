/**
 * Runs the real `anteroom --daemon` as a child process against a test
 * homeserver, with its own data dir and port, and reads its JSON log lines.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { communitySettings, type TestCommunity } from "./community.js";
import type { TestHomeserver } from "./homeserver.js";
import { waitFor } from "./wait.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

export interface DaemonOptions {
  readonly env?: Record<string, string>;
  readonly dataDir?: string;
  /** Wait for /healthz to answer 200 (default true). */
  readonly waitReady?: boolean;
  /**
   * What node runs, after its own path (default: `--import tsx src/entry/cli.ts --daemon`), e.g.
   * `["dist/src/entry/cli.js", "--daemon"]` for the compiled build. Relative to the repository.
   */
  readonly nodeArgs?: readonly string[];
  /** A command node runs under, e.g. `unshare` to give the daemon a host name of its own. */
  readonly wrapper?: readonly string[];
}

const TSX_DAEMON = ["--import", "tsx", "src/entry/cli.ts", "--daemon"] as const;

export class TestDaemon {
  readonly logs: Record<string, unknown>[] = [];
  stderr = "";
  private child: ResultPromise | undefined;
  /** Settles with the exit code when the current process ends. */
  private exit: Promise<number | undefined> | undefined;
  private exitCode: number | undefined | null = null;

  private constructor(
    readonly dataDir: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly nodeArgs: readonly string[] = TSX_DAEMON,
    private readonly wrapper: readonly string[] = [],
  ) {}

  static async start(
    hs: TestHomeserver,
    community: TestCommunity,
    opts: DaemonOptions = {},
  ): Promise<TestDaemon> {
    const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), "anteroom-data-")));
    const port = await freePort();
    const env = {
      ...communitySettings(hs.url, community, dataDir),
      HTTP_PORT: String(port),
      HTTP_HOST: "127.0.0.1",
      VETTING_FAREWELL_SEC: "1",
      TICK_MS: "200",
      ...opts.env,
    };
    const daemon = new TestDaemon(dataDir, port, env, opts.nodeArgs, opts.wrapper);
    await daemon.launch(opts.waitReady ?? true);
    return daemon;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async launch(waitReady = true): Promise<void> {
    const [file, ...args] = [...this.wrapper, process.execPath, ...this.nodeArgs];
    this.child = execa(file ?? process.execPath, args, {
      cwd: REPO,
      env: { ...this.env, CI: "true" },
      extendEnv: true,
      reject: false,
      buffer: false,
      stdin: "ignore",
    });
    this.exitCode = null;
    this.exit = this.child.then((result) => {
      this.exitCode = result.exitCode;
      return result.exitCode;
    });
    let partial = "";
    this.child.stdout?.on("data", (chunk: Buffer) => {
      partial += chunk.toString("utf8");
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.trim()) continue;
        if (process.env.ANTEROOM_TEST_DAEMON_LOGS)
          process.stderr.write(`[daemon ${this.port}] ${line}\n`);
        try {
          this.logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.logs.push({ unparsed: line });
        }
      }
    });
    this.child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString("utf8");
    });
    if (waitReady) await this.waitReady();
  }

  async waitReady(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      async () => {
        if (this.exitCode !== null) {
          throw new Error(`the daemon exited (${this.exitCode}): ${this.stderr.slice(-2000)}`);
        }
        const response = await fetch(`${this.url}/healthz`).catch(() => undefined);
        return response?.status === 200;
      },
      { what: "the daemon's /healthz to answer 200", timeoutMs, intervalMs: 50 },
    );
  }

  /** SIGTERM and wait; resolves with the exit code. */
  async stop(): Promise<number | undefined> {
    if (this.exitCode !== null) return this.exitCode;
    this.child?.kill("SIGTERM");
    return this.exit;
  }

  /** SIGKILL: the crash the daemon must survive. */
  async kill9(): Promise<void> {
    if (this.exitCode !== null) return;
    this.child?.kill("SIGKILL");
    await this.exit;
  }

  /** The exit of a daemon expected to refuse to start. */
  async exited(): Promise<{ exitCode: number | undefined; stderr: string }> {
    return { exitCode: await this.exit, stderr: this.stderr };
  }

  logged(msg: RegExp): boolean {
    return this.logs.some((line) => typeof line.msg === "string" && msg.test(line.msg));
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
