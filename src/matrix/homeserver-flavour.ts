/**
 * Which homeserver implementation anteroom talks to: registration tokens are
 * managed differently on each (Synapse's admin API, continuwuity's admin room).
 *
 * Asked without a token, in this order, the first clear answer winning:
 * 1. `GET /_matrix/federation/v1/version` (the spec's `server.name`): every
 *    implementation has it, but it is missing where federation is off or
 *    served on another port;
 * 2. `GET /_continuwuity/server_version`, `/_conduwuit/server_version`,
 *    `/_tuwunel/server_version` (`{name, version}`): the conduwuit family's own;
 * 3. `GET /_synapse/admin/v1/server_version` (`{server_version}`): Synapse's,
 *    served on the client listener.
 */
import { Method, type IRequestOpts, type MatrixClient } from "matrix-js-sdk";
import { HomeserverError } from "../../core/ports.js";
import { toHomeserverError } from "./errors.js";

export type FlavourKind = "synapse" | "tuwunel" | "continuwuity" | "other";

export interface HomeserverFlavour {
  readonly kind: FlavourKind;
  /** The name the server gave (trimmed, at most 100 characters), e.g. "Synapse". */
  readonly name: string;
  readonly version?: string;
}

/** Sorts a server's self-given name. conduwuit itself (unmaintained) and others are "other". */
export function classifyServerName(name: string): FlavourKind {
  const lower = name.trim().toLowerCase();
  if (lower === "synapse" || lower.startsWith("synapse/") || lower.startsWith("synapse ")) {
    return "synapse";
  }
  if (lower.startsWith("tuwunel")) return "tuwunel";
  if (lower.startsWith("continuwuity")) return "continuwuity";
  return "other";
}

/** One unauthenticated GET: the JSON object, or undefined when the path is not served (4xx, not JSON). */
export type Probe = (path: string) => Promise<Record<string, unknown> | undefined>;

/**
 * Detects the flavour. Throws a transient `HomeserverError` when the server
 * could not be asked (down, 5xx), so the caller can try again later; a server
 * that answers none of the paths comes back as kind "other", name "unknown".
 */
export async function detectHomeserverFlavour(probe: Probe): Promise<HomeserverFlavour> {
  const federation = await probe("/_matrix/federation/v1/version");
  const server = federation?.server;
  if (typeof server === "object" && server !== null) {
    const { name, version } = server as { name?: unknown; version?: unknown };
    if (typeof name === "string" && name.trim()) return flavour(name, version);
  }
  for (const path of [
    "/_continuwuity/server_version",
    "/_conduwuit/server_version",
    "/_tuwunel/server_version",
  ]) {
    const answer = await probe(path);
    if (typeof answer?.name === "string" && answer.name.trim())
      return flavour(answer.name, answer.version);
  }
  const synapse = await probe("/_synapse/admin/v1/server_version");
  if (typeof synapse?.server_version === "string") {
    return flavour("Synapse", synapse.server_version);
  }
  return { kind: "other", name: "unknown" };
}

/** The probe over a matrix-js-sdk client (no token is sent). */
export function sdkProbe(client: MatrixClient): Probe {
  return async (path) => {
    try {
      // The cast: the SDK's typings demand fetch's `priority`, which Node ignores.
      const json = await client.http.request<unknown>(Method.Get, path, undefined, undefined, {
        prefix: "",
        localTimeoutMs: 15_000,
      } as IRequestOpts);
      return typeof json === "object" && json !== null && !Array.isArray(json)
        ? (json as Record<string, unknown>)
        : undefined;
    } catch (error) {
      const failure = toHomeserverError(error);
      if (failure.transient) {
        throw new HomeserverError(
          `could not ask the homeserver what it is (${path}): ${failure.message}`,
          true,
          failure.retryAfterMs,
          failure.errcode,
        );
      }
      return undefined; // 404, 403 (federation off), 400: this path says nothing
    }
  };
}

function flavour(name: string, version: unknown): HomeserverFlavour {
  const clean = name
    .replace(/[^\x20-\x7e]/g, "")
    .trim()
    .slice(0, 100);
  return {
    kind: classifyServerName(clean),
    name: clean,
    ...(typeof version === "string"
      ? { version: version.replace(/[^\x20-\x7e]/g, "").slice(0, 100) }
      : {}),
  };
}
