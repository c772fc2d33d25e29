// Synapse's configuration: a template generated once in the root (key generation is the slow
// part), and each run's homeserver.yaml and log config written from it with the test settings.

import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { execa } from "execa";
import { randomId } from "./synapse-admin-api.js";
import { CHROOT, CHROOT_ENV, inRoot, synapseRootDir } from "./synapse-root.js";
import type { StartHomeserverOptions } from "./test-homeserver.js";

export const SERVER_NAME = "localhost";
/** Inside the chroot. */
export const TEMPLATE_DIR = "/srv/template";

/** The template's secrets, shared by every run. */
export interface Secrets {
  registration_shared_secret: string;
  macaroon_secret_key: string;
  form_secret: string;
}

/**
 * Generates a config once into /srv/template; per run we copy its signing key and secrets.
 * Concurrent test processes race safely: each generates into its own directory and the first
 * rename wins.
 */
export async function ensureTemplate(): Promise<Secrets> {
  const yamlPath = inRoot(`${TEMPLATE_DIR}/homeserver.yaml`);
  if (!existsSync(yamlPath) || !existsSync(inRoot(`${TEMPLATE_DIR}/${SERVER_NAME}.signing.key`))) {
    const tmp = `${TEMPLATE_DIR}.tmp-${randomId()}`;
    await mkdir(inRoot(tmp), { recursive: true });
    const res = await execa(
      CHROOT,
      [
        synapseRootDir(),
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
      await rm(inRoot(tmp), { recursive: true, force: true });
      throw new Error(
        `generating the Synapse config template failed:\n${String(res.all ?? "").slice(-3000)}`,
      );
    }
    try {
      await rename(inRoot(tmp), inRoot(TEMPLATE_DIR));
    } catch {
      // another process made the template first
      await rm(inRoot(tmp), { recursive: true, force: true });
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

/** Writes the run's homeserver.yaml (`runDir` inside the chroot) for Synapse to listen on `port`. */
export async function writeHomeserverConfig(
  runDir: string,
  port: number,
  secrets: Secrets,
  opts: StartHomeserverOptions,
): Promise<void> {
  await writeFile(inRoot(`${runDir}/homeserver.yaml`), homeserverYaml(runDir, port, secrets, opts));
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
  return `# Generated by src/devserver/synapse-config.ts (JSON is valid YAML)\n${JSON.stringify(config, null, 2)}\n`;
}

/** WARNING and above to stderr, which goes to synapse.log in the run directory. */
export function logConfigYaml(): string {
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
