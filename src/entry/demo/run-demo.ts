/**
 * `anteroom demo`: anteroom working on a machine with nothing configured. It
 * brings up a local Synapse (the provisioning the tests use), runs `anteroom
 * init` for a bot and a knock-only space with one room, runs the engine in this process on a fresh
 * demo data dir, sends the simulated newcomers of ./newcomers.ts and opens the
 * console on them. Headless (`--no-console`, or no terminal) it prints each
 * newcomer's outcome as it happens and exits 0 when all are as expected.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { homedir, hostname } from "node:os";
import { join } from "node:path";
import { pino, type Logger } from "pino";
import { loadConfig } from "../../config.js";
import type { ConsolePreferences } from "../console-preferences.js";
import {
  communitySettings,
  initTestCommunity,
  type TestCommunity,
} from "../../devserver/community.js";
import {
  homeserverReady,
  homeserverUnavailableReason,
  startHomeserver,
} from "../../devserver/synapse.js";
import { synapseRootDir } from "../../devserver/synapse-root.js";
import type { TestHomeserver } from "../../devserver/test-homeserver.js";
import { errorMessage } from "../../devserver/wait.js";
import { loggerOptions, openRuntime, type Runtime } from "../../runtime.js";
import { LOCK_FILE_NAME } from "../../store/data-dir-lock.js";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../../store/atomic-file.js";
import {
  OUTCOME_TEXT,
  PERSONAS,
  phaseOf,
  playPersona,
  type DemoContext,
  type Persona,
} from "./newcomers.js";

export interface DemoOptions {
  /** Open the console (needs a terminal); false: headless, outcome lines on `out`. */
  readonly console: boolean;
  /** Who runs the console (recorded with moderator actions). */
  readonly by: string;
  /** The console's remembered preferences and key map (the moderator's config file). */
  readonly remembered?: Pick<ConsolePreferences, "preferences" | "keyMap">;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Headless: how long the newcomers have to reach their outcomes (default 75 s). */
  readonly deadlineMs?: number;
}

export const DEMO_CODE = "WELCOME";

export function demoDataDir(): string {
  return process.env.ANTEROOM_DEMO_DATA_DIR ?? join(homedir(), ".cache", "anteroom-demo", "data");
}

/** Runs the demo; resolves with the process exit code. */
export async function runDemo(options: DemoOptions): Promise<number> {
  const { out, err } = options;
  const unavailable = homeserverUnavailableReason();
  if (unavailable) {
    err(`anteroom demo cannot start: ${unavailable}.`);
    return 2;
  }
  const dataDir = demoDataDir();
  const owner = liveLockHolder(dataDir);
  if (owner !== undefined) {
    err(`anteroom demo cannot start: another anteroom (pid ${owner}) is using ${dataDir}.`);
    return 2;
  }

  const ended = new AbortController();
  let hs: TestHomeserver | undefined;
  let runtime: Runtime | undefined;
  let log: Logger | undefined;
  // Headless, a signal ends the run cleanly; the console's own keys end it otherwise.
  const onSignal = () => ended.abort(new Error("interrupted"));
  if (!options.console) {
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  }
  try {
    out(
      homeserverReady()
        ? "starting a local Synapse…"
        : `provisioning a local Synapse the first time (a Debian root in ${synapseRootDir()}; about a minute)…`,
    );
    hs = await startHomeserver({ onProgress: (line) => out(`  ${line}`) });
    const ownServer = hs.runDir !== undefined;
    out(`homeserver up at ${hs.url}${ownServer ? ` (its log: ${hs.logPath})` : ""}`);
    // A fresh data dir each start; init keeps the bot's session in it.
    await rm(dataDir, { recursive: true, force: true });
    await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    // On a shared homeserver (ANTEROOM_TEST_HS) earlier runs left their bot and aliases behind.
    const suffix = ownServer ? "" : `-${randomBytes(3).toString("hex")}`;
    out("anteroom init: the bot, the space and its room");
    const community = await initTestCommunity(hs, {
      dataDir,
      botLocalpart: `anteroom${suffix}`,
      spaceAlias: `community${suffix}`,
      spaceName: "Demo Community",
      rooms: [{ alias: `lounge${suffix}`, name: "Lounge" }],
      report: (line) => out(`  ${line}`),
    });
    out(`bot ${community.bot.userId}; space ${community.spaceId} (join rule knock) with 1 room`);

    const config = loadConfig({
      ...communitySettings(hs.url, community, dataDir),
      INITIAL_CODES: JSON.stringify({
        [DEMO_CODE]: { uses_remaining: 50, label: "demo newcomers" },
      }),
      VETTING_FAREWELL_SEC: "3",
      TICK_MS: "500",
      LOG_LEVEL: "info",
    });
    log = pino(
      loggerOptions(config),
      pino.destination({
        dest: join(dataDir, "anteroom.log"),
        mkdir: true,
        sync: false,
        mode: PRIVATE_FILE_MODE,
      }),
    );
    runtime = await openRuntime(config, log);
    await runtime.start();
    out(`engine running in this process; data dir ${dataDir} (invite code ${DEMO_CODE})`);

    const ctx: DemoContext = {
      hs,
      community,
      engine: runtime.engine,
      code: DEMO_CODE,
      maxTries: config.engine.maxTries,
      pace: options.console ? "watchable" : "quick",
      signal: ended.signal,
      waitMs: 45_000,
    };
    if (options.console) {
      return await withConsole(options, ctx, runtime, config.publicUrl, !ownServer, log);
    }
    return await headless(options, ctx, community, !ownServer);
  } catch (error) {
    if (ended.signal.aborted) {
      err("anteroom demo interrupted");
      return 130;
    }
    err(`anteroom demo failed: ${errorMessage(error)}`);
    return 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    ended.abort(new Error("the demo ended"));
    await runtime
      ?.stop()
      .catch((error: unknown) => err(`stopping the engine: ${errorMessage(error)}`));
    log?.flush();
    await hs?.stop().catch((error: unknown) => err(`stopping Synapse: ${errorMessage(error)}`));
  }
}

async function headless(
  options: DemoOptions,
  ctx: DemoContext,
  community: TestCommunity,
  uniqueLocalparts: boolean,
): Promise<number> {
  const { out } = options;
  out(`sending ${PERSONAS.length} simulated newcomers to ${community.spaceId}`);
  const deadlineMs = options.deadlineMs ?? 75_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), deadlineMs);
  });
  const aborted = new Promise<"aborted">((resolve) =>
    ctx.signal.addEventListener("abort", () => resolve("aborted"), { once: true }),
  );
  const results = new Map<Persona, { ok: boolean; userId?: string }>();
  const plays = PERSONAS.map(async (persona) => {
    try {
      const { userId, report } = await playPersona(persona, ctx, uniqueLocalparts);
      const ok = report.outcome === persona.expected;
      results.set(persona, { ok, userId });
      out(outcomeLine(persona, ok, OUTCOME_TEXT[report.outcome], report.detail));
    } catch (error) {
      if (ctx.signal.aborted) return;
      results.set(persona, { ok: false });
      out(outcomeLine(persona, false, "did not get there", errorMessage(error)));
    }
  });
  const how = await Promise.race([
    Promise.all(plays).then(() => "done" as const),
    timedOut,
    aborted,
  ]);
  clearTimeout(timer);
  if (how === "aborted") throw ctx.signal.reason;
  for (const persona of PERSONAS) {
    const result = results.get(persona);
    if (!result) {
      results.set(persona, { ok: false });
      out(outcomeLine(persona, false, "no outcome", `still going after ${deadlineMs / 1000} s`));
      continue;
    }
    // Held and open are states, not events: they must still hold at the end.
    if (
      result.ok &&
      result.userId &&
      (persona.expected === "held" || persona.expected === "open")
    ) {
      const phase = phaseOf(ctx.engine, result.userId);
      if (phase !== persona.expected) {
        result.ok = false;
        out(
          outcomeLine(
            persona,
            false,
            `no longer ${OUTCOME_TEXT[persona.expected]}`,
            `phase ${phase}`,
          ),
        );
      }
    }
  }
  const passed = [...results.values()].filter((r) => r.ok).length;
  out(
    passed === PERSONAS.length
      ? `demo passed: ${passed} of ${PERSONAS.length} newcomers reached their expected outcome`
      : `demo failed: ${passed} of ${PERSONAS.length} newcomers reached their expected outcome`,
  );
  return passed === PERSONAS.length ? 0 : 1;
}

async function withConsole(
  options: DemoOptions,
  ctx: DemoContext,
  runtime: Runtime,
  publicUrl: string,
  uniqueLocalparts: boolean,
  log: Logger,
): Promise<number> {
  const { runConsole } = await import("../../../ui/run-console.js");
  // The newcomers act while the console is up; their outcomes go to the engine's log file.
  for (const persona of PERSONAS) {
    playPersona(persona, ctx, uniqueLocalparts).then(
      ({ userId, report }) =>
        log.info(
          { demo: persona.localpart, user: userId, outcome: report.outcome, detail: report.detail },
          "demo newcomer outcome",
        ),
      (error: unknown) => {
        if (!ctx.signal.aborted)
          log.warn({ demo: persona.localpart, err: errorMessage(error) }, "demo newcomer failed");
      },
    );
  }
  options.out(
    `opening the console: ${PERSONAS.length} simulated newcomers arrive over the next seconds; q quits`,
  );
  await runConsole({
    api: runtime.engine,
    mode: "demo",
    by: options.by,
    publicUrl,
    ...options.remembered,
  });
  options.out("stopping the simulated newcomers, the engine and Synapse…");
  return 0;
}

function outcomeLine(persona: Persona, ok: boolean, what: string, detail?: string): string {
  const who = `${persona.displayName} (${persona.role})`.padEnd(24);
  const expected = ok ? "" : ` [expected: ${OUTCOME_TEXT[persona.expected]}]`;
  return `${ok ? "ok  " : "FAIL"} ${who} → ${what}${detail ? ` — ${detail}` : ""}${expected}`;
}

/** The pid of a live process on this host that holds the demo data dir's lock, if any. */
function liveLockHolder(dataDir: string): number | undefined {
  try {
    const holder = JSON.parse(readFileSync(join(dataDir, LOCK_FILE_NAME), "utf8")) as {
      pid?: unknown;
      hostname?: unknown;
    };
    if (typeof holder.pid !== "number" || holder.pid === process.pid) return undefined;
    if (holder.hostname !== hostname()) return undefined;
    try {
      process.kill(holder.pid, 0);
    } catch (error) {
      // EPERM: it runs, as another user.
      if ((error as NodeJS.ErrnoException).code !== "EPERM") return undefined;
    }
    return holder.pid;
  } catch {
    return undefined; // no lock, or unreadable
  }
}
