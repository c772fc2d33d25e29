/**
 * The join bench's load generator, run as its own plain-node process (test/bench/join.ts
 * transpiles and starts it) so that making requests does not share an event loop with
 * measuring them: LOAD_CONNECTIONS keep-alive connections, each sending one
 * `POST LOAD_URL {"code": …}` after another, for LOAD_DURATION_MS or until LOAD_TOTAL requests
 * were sent. The code is LOAD_CODE, or with LOAD_ROTATE=1 LOAD_CODE-<n> (a new one each time,
 * as a guesser would send). Prints one JSON line: counts by status, latencies, the wall time and
 * its own CPU seconds (so the bench can tell its load from everyone else's).
 */
import { Agent, request } from "node:http";

const url = new URL(process.env.LOAD_URL ?? "");
const connections = Math.max(1, Number(process.env.LOAD_CONNECTIONS ?? "16"));
const durationMs = Number(process.env.LOAD_DURATION_MS ?? "0");
const total = Number(process.env.LOAD_TOTAL ?? "0");
const code = process.env.LOAD_CODE ?? "";
const rotate = process.env.LOAD_ROTATE === "1";
const timeoutMs = Number(process.env.LOAD_TIMEOUT_MS ?? "60000");

const agent = new Agent({ keepAlive: true, maxSockets: connections });
const latencies: number[] = [];
const statuses: Record<string, number> = {};
let sent = 0;

function post(body: string): Promise<{ status: number; ms: number }> {
  const start = process.hrtime.bigint();
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: "POST",
        agent,
        timeout: timeoutMs,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            ms: Number(process.hrtime.bigint() - start) / 1e6,
          }),
        );
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () =>
      resolve({ status: 0, ms: Number(process.hrtime.bigint() - start) / 1e6 }),
    );
    req.end(body);
  });
}

async function connection(until: number): Promise<void> {
  for (;;) {
    if (total > 0 ? sent >= total : Date.now() >= until) return;
    const n = sent++;
    const body = JSON.stringify({ code: rotate ? `${code}-${n}` : code });
    const { status, ms } = await post(body);
    latencies.push(ms);
    statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
  }
}

const started = Date.now();
const until = started + durationMs;
await Promise.all(Array.from({ length: connections }, () => connection(until)));
const wallMs = Date.now() - started;
agent.destroy();
const cpu = process.cpuUsage();
const cpuS = (cpu.user + cpu.system) / 1e6;
process.stdout.write(`${JSON.stringify({ wallMs, latencies, statuses, cpuS })}\n`);
