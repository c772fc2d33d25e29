// The container image without a Docker engine: this test reads deploy/Dockerfile, lays out its
// build stage in a clean temporary directory (only the files it COPYs), runs the build stage's
// RUN commands (deploy/build-app.sh), lays out the runtime stage the same way (only what it
// copies from the build), then starts the ENTRYPOINT + CMD against a real Synapse, waits for
// /healthz, runs the HEALTHCHECK command, and stops the daemon with SIGTERM as `docker stop` does.

import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { execa } from "execa";
import { isDaemonRunning } from "../../src/control/attach-client.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { freePort } from "../harness/daemon.js";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { waitFor } from "../harness/wait.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const DOCKERFILE = join(REPO, "deploy", "Dockerfile");
const BUILD_TIMEOUT_MS = 15 * 60_000;

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}
interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

/** The Dockerfile's stages: continuation lines joined, comments dropped, build ARG defaults substituted. */
function parseDockerfile(text: string): Stage[] {
  const logical = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const args = new Map<string, string>();
  const stages: { image: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const line of logical) {
    const [keyword = "", ...rest] = line.split(/\s+/);
    const argText = rest
      .join(" ")
      .replace(/\$\{(\w+)\}/g, (whole, name: string) => args.get(name) ?? whole);
    const upper = keyword.toUpperCase();
    if (upper === "ARG" && stages.length === 0) {
      const [name = "", value = ""] = argText.split("=");
      args.set(name, value);
    } else if (upper === "FROM") {
      const [image = "", as, name] = argText.split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === "AS" ? name : undefined, instructions: [] });
    } else {
      const stage = stages.at(-1);
      assert.ok(stage, `${keyword} before the first FROM`);
      stage.instructions.push({ keyword: upper, args: argText });
    }
  }
  return stages;
}

function only(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

function execForm(instruction: Instruction | undefined): string[] {
  assert.ok(instruction, "an exec-form instruction");
  const parsed: unknown = JSON.parse(instruction.args);
  assert.ok(
    Array.isArray(parsed) && parsed.every((part) => typeof part === "string"),
    `${instruction.keyword} in exec form (a JSON array): ${instruction.args}`,
  );
  return parsed;
}

/** `COPY [--from=stage] src… dest` → where each source lands, as paths in the image. */
function copies(stage: Stage): { from: string | undefined; sources: string[]; dest: string }[] {
  let workdir = "/";
  const out: { from: string | undefined; sources: string[]; dest: string }[] = [];
  for (const instruction of stage.instructions) {
    if (instruction.keyword === "WORKDIR") workdir = posix.resolve(workdir, instruction.args);
    if (instruction.keyword !== "COPY") continue;
    const words = instruction.args.split(/\s+/);
    const flags = words.filter((w) => w.startsWith("--"));
    const paths = words.filter((w) => !w.startsWith("--"));
    const from = flags.find((f) => f.startsWith("--from="))?.slice("--from=".length);
    const dest = paths.pop() ?? "";
    const destPath = posix.resolve(workdir, dest);
    for (const source of paths) {
      // Several sources, or a dest ending in "/", name a folder the sources go into.
      const target =
        paths.length > 1 || dest.endsWith("/")
          ? posix.join(destPath, posix.basename(source))
          : destPath;
      out.push({ from, sources: [source], dest: target });
    }
  }
  return out;
}

/** An image path such as /app/dist, inside a temporary folder that stands for the image's /app. */
function inside(root: string, imagePath: string, workdir = "/app"): string {
  const relative = posix.relative(workdir, imagePath);
  assert.ok(
    !relative.startsWith("..") && !isAbsolute(relative),
    `${imagePath} is outside ${workdir}, which this test stands in for`,
  );
  return join(root, relative);
}

const stages = parseDockerfile(await readFile(DOCKERFILE, "utf8"));
const buildStage = stages[0];
const runtimeStage = stages.at(-1);
assert.ok(buildStage && runtimeStage && stages.length >= 2, "a multi-stage Dockerfile");

test("the image runs Node 22+ as a non-root user, keeps /data as a volume and checks /healthz", () => {
  for (const stage of stages) {
    const match = /^node:(\d+)/.exec(stage.image);
    assert.ok(match, `stage ${stage.name ?? "runtime"} is built on an official node image`);
    assert.ok(Number(match[1]) >= 22, `Node 22 or newer, not ${stage.image}`);
  }
  const user = only(runtimeStage, "USER").at(-1)?.args;
  assert.ok(
    user && user !== "root" && user !== "0",
    `the runtime runs as a non-root user (${user})`,
  );
  assert.deepEqual(
    only(runtimeStage, "VOLUME").map((v) => v.args),
    ["/data"],
  );
  assert.match(
    only(runtimeStage, "ENV")
      .map((e) => e.args)
      .join(" "),
    /\bDATA_DIR=\/data\b/,
  );
  const healthcheck = only(runtimeStage, "HEALTHCHECK")[0];
  assert.ok(healthcheck, "a HEALTHCHECK");
  assert.match(healthcheck.args, /CMD \[/);
  assert.deepEqual(
    [...execForm(only(runtimeStage, "ENTRYPOINT")[0]), ...execForm(only(runtimeStage, "CMD")[0])],
    ["anteroom", "--daemon"],
  );
  // Nothing is fetched when the container starts: the entry point is the built app itself.
  for (const run of only(runtimeStage, "RUN"))
    assert.doesNotMatch(
      run.args,
      /\bnpm (ci|install|i)\b|\bnpx\b/,
      "no install in the runtime stage",
    );
});

test("the image carries OCI labels: its title, version and licence as package.json has them", async () => {
  const pkg = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as {
    version: string;
    license: string;
    description: string;
  };
  const labels = new Map(
    only(runtimeStage, "LABEL").flatMap((label) =>
      [...label.args.matchAll(/(org\.opencontainers\.image\.[\w.]+)="([^"]*)"/g)].map(
        ([, key, value]) => [key ?? "", value ?? ""] as const,
      ),
    ),
  );
  assert.equal(labels.get("org.opencontainers.image.title"), "anteroom");
  assert.equal(labels.get("org.opencontainers.image.version"), pkg.version);
  assert.equal(labels.get("org.opencontainers.image.licenses"), pkg.license);
  assert.equal(labels.get("org.opencontainers.image.description"), pkg.description);
  const shipped = copies(runtimeStage).map((copy) => copy.dest);
  assert.ok(shipped.includes("/app/LICENSE"), "the licence text is in the image");
});

test("the build context (.dockerignore) keeps every file the Dockerfile copies", async () => {
  // The context is "everything excluded, then these back in": a COPY source must be one of them.
  const lines = (await readFile(join(REPO, ".dockerignore"), "utf8"))
    .split("\n")
    .map((line) => line.trim());
  assert.ok(lines.includes("**"), ".dockerignore starts from nothing");
  const kept = lines.filter((line) => line.startsWith("!")).map((line) => line.slice(1));
  for (const stage of stages)
    for (const copy of copies(stage).filter((c) => c.from === undefined))
      for (const source of copy.sources)
        assert.ok(
          kept.some((path) => source === path || source.startsWith(`${path}/`)),
          `${source} is copied but left out of the build context`,
        );
});

let hs: TestHomeserver;
let community: TestCommunity;
const temporary: string[] = [];

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs);
});

after(async () => {
  await hs?.stop();
  for (const dir of temporary) await rm(dir, { recursive: true, force: true });
});

test(
  "from a clean install by the Dockerfile's own commands, `anteroom --daemon` gets healthy and stops cleanly",
  { timeout: BUILD_TIMEOUT_MS + 120_000 },
  async () => {
    const base = await mkdtemp(join(tmpdir(), "anteroom-image-"));
    temporary.push(base);
    const buildRoot = join(base, "build");
    const runtimeRoot = join(base, "runtime");
    const dataDir = join(base, "data");
    await mkdir(dataDir);

    // The build stage: the repository files it COPYs, then its RUN commands.
    for (const copy of copies(buildStage)) {
      assert.equal(copy.from, undefined, "the build stage copies from the build context only");
      const target = inside(buildRoot, copy.dest);
      await mkdir(dirname(target), { recursive: true });
      await cp(join(REPO, copy.sources[0] ?? ""), target, { recursive: true });
    }
    const started = performance.now();
    for (const run of only(buildStage, "RUN")) {
      const command = run.args.replace(/--mount=\S+\s*/g, "");
      const result = await execa("sh", ["-c", command], {
        cwd: buildRoot,
        // The npm cache stands in for the registry; the image build fetches the same locked versions.
        env: { npm_config_prefer_offline: "true", npm_config_update_notifier: "false" },
        reject: false,
        all: true,
        timeout: BUILD_TIMEOUT_MS,
      });
      assert.equal(
        result.exitCode,
        0,
        `RUN ${command} failed:\n${String(result.all).slice(-4000)}`,
      );
    }
    console.log(`the build stage's RUN took ${Math.round((performance.now() - started) / 1000)} s`);

    // The runtime stage: only what it copies from the build (and from the context).
    for (const copy of copies(runtimeStage)) {
      const source =
        copy.from === undefined
          ? join(REPO, copy.sources[0] ?? "")
          : inside(buildRoot, posix.resolve("/app", copy.sources[0] ?? ""));
      const target = inside(runtimeRoot, copy.dest);
      await mkdir(dirname(target), { recursive: true });
      await cp(source, target, { recursive: true });
    }
    const devOnly = join(runtimeRoot, "node_modules", "typescript");
    assert.equal(
      await readFile(join(devOnly, "package.json"), "utf8").catch(() => "absent"),
      "absent",
      "dev dependencies are pruned before the runtime stage copies node_modules",
    );

    // ENTRYPOINT ["anteroom"]: the runtime stage links it onto the PATH; resolve it the same way.
    const [program = "", ...entryArgs] = [
      ...execForm(only(runtimeStage, "ENTRYPOINT")[0]),
      ...execForm(only(runtimeStage, "CMD")[0]),
    ];
    const link = only(runtimeStage, "RUN")
      .map((run) => /\bln -s (\S+) (\S+)/.exec(run.args))
      .find((match) => match && posix.basename(match[2] ?? "") === program);
    assert.ok(link?.[1], `the runtime stage puts ${program} on the PATH`);
    const entryPoint = inside(runtimeRoot, link[1]);

    const port = await freePort();
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: base,
      NODE_ENV: "production",
      DATA_DIR: dataDir,
      HS: hs.url,
      MATRIX_TOKEN: community.bot.accessToken,
      SPACE_ID: community.spaceId,
      SPACE_CHILD_IDS: community.childIds.join(","),
      HTTP_PORT: String(port),
      HTTP_HOST: "127.0.0.1",
    };
    // node runs the linked script, as its `#!/usr/bin/env node` line would in the image.
    const daemon = execa(process.execPath, [entryPoint, ...entryArgs], {
      cwd: runtimeRoot,
      env,
      extendEnv: false,
      reject: false,
      all: true,
      stdin: "ignore",
    });
    let exited = false;
    void daemon.finally(() => (exited = true));
    try {
      await waitFor(
        async () => {
          if (exited)
            throw new Error(`the daemon exited: ${String((await daemon).all).slice(-3000)}`);
          const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
          return response?.status === 200;
        },
        { what: "the built daemon's /healthz to answer 200", timeoutMs: 60_000, intervalMs: 100 },
      );

      // HEALTHCHECK CMD ["node", "/app/deploy/healthcheck.mjs"]
      const check = execForm({
        keyword: "HEALTHCHECK",
        args: only(runtimeStage, "HEALTHCHECK")[0]?.args.replace(/^.*?CMD\s+/, "") ?? "",
      });
      const [checkProgram, ...checkArgs] = check;
      assert.equal(checkProgram, "node");
      const healthcheck = () =>
        execa(
          process.execPath,
          checkArgs.map((arg) => (arg.startsWith("/app/") ? inside(runtimeRoot, arg) : arg)),
          { env: { HTTP_PORT: String(port) }, extendEnv: false, reject: false },
        );
      assert.equal((await healthcheck()).exitCode, 0, "the HEALTHCHECK passes on a healthy daemon");

      // `docker exec -it … anteroom` attaches through the admin socket in the data dir.
      assert.ok(await isDaemonRunning(dataDir), "the console can find the daemon in DATA_DIR");

      daemon.kill("SIGTERM");
      const result = await daemon;
      assert.equal(
        result.exitCode,
        0,
        `a clean exit on SIGTERM:\n${String(result.all).slice(-3000)}`,
      );
      assert.equal(
        (await healthcheck()).exitCode,
        1,
        "the HEALTHCHECK fails once the daemon is gone",
      );
    } finally {
      if (!exited) daemon.kill("SIGKILL");
    }
  },
);
