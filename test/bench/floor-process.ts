/** Runs test/bench/floor.ts as its own plain-node process and collects what it reports. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { vettingRoomPowerLevels } from "../../src/matrix/matrix-port.js";

const SOURCE = fileURLToPath(new URL("./floor.ts", import.meta.url));

/** One knock as the floor handled it (wall-clock ms). */
export interface FloorDone {
  key: string;
  user: string;
  seenAt: number;
  createdAt: number;
  sentAt: number;
}

export interface FloorSettings {
  readonly hsUrl: string;
  readonly accessToken: string;
  readonly userId: string;
  readonly spaceId: string;
  readonly maxInFlight: number;
}

export class FloorProcess {
  /** By knocker user id. */
  readonly done = new Map<string, FloorDone>();
  readonly errors: string[] = [];
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {
    child.once("exit", () => (this.exited = true));
  }

  /**
   * Starts the floor and resolves once its first sync is done. It runs as plain JavaScript
   * (transpiled here): Node's own type stripping would load a WebAssembly compiler into the
   * process and add ~25 MB to the RSS being compared.
   */
  static async start(settings: FloorSettings): Promise<FloorProcess> {
    const { outputText } = ts.transpileModule(await readFile(SOURCE, "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023 },
    });
    const dir = await mkdtemp(join(tmpdir(), "anteroom-floor-"));
    const script = join(dir, "floor.mjs");
    await writeFile(script, outputText);
    const child = spawn(process.execPath, [script], {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "",
        FLOOR_HS: settings.hsUrl,
        FLOOR_TOKEN: settings.accessToken,
        FLOOR_USER: settings.userId,
        FLOOR_SPACE: settings.spaceId,
        FLOOR_MAX_IN_FLIGHT: String(settings.maxInFlight),
        FLOOR_POWER_LEVELS: JSON.stringify(vettingRoomPowerLevels(settings.userId)),
      },
    });
    const floor = new FloorProcess(child, dir);
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const ready = new Promise<void>((resolve, reject) => {
      let partial = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        partial += chunk.toString("utf8");
        const lines = partial.split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) floor.onLine(line, resolve);
      });
      child.once("exit", (code) =>
        reject(new Error(`the floor process exited (${code}): ${stderr.slice(-2000)}`)),
      );
    });
    try {
      await ready;
    } catch (error) {
      await floor.stop();
      throw error;
    }
    return floor;
  }

  get pid(): number | undefined {
    return this.exited ? undefined : this.child.pid;
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      const exit = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
      await exit;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  private onLine(line: string, ready: () => void): void {
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.errors.push(line);
      return;
    }
    if (event.type === "ready") ready();
    else if (event.type === "done") {
      const done = event as unknown as FloorDone;
      this.done.set(done.user, done);
    } else this.errors.push(line);
  }
}
