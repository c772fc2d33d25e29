/**
 * Matrix identifiers, the one grammar for the whole tree (chat commands, the
 * admin API, config, forms, moderation): user IDs checked and split into
 * localpart and server, server names checked, and the spec's glob matching.
 * Everything here takes hostile strings and never throws.
 */

export interface UserIdParts {
  localpart: string;
  /** The server name as written, port included (`evil.org:8448`). */
  server: string;
  /** The server name without its port, lowercased: what a person means by "the server". */
  host: string;
}

/** The spec caps a user ID at 255 bytes; they are ASCII, so bytes = characters. */
export const MAX_USER_ID_LENGTH = 255;

// The spec's grammar (appendices, "Identifier grammar"). Localparts of new accounts are
// a-z 0-9 . _ = - / +; accounts made before that rule may hold any printable ASCII but ':'
// ("historical user IDs") and still exist on federation, so anteroom accepts them rather
// than refuse to act on a real person. server_name = hostname [":" 1*5DIGIT], the hostname
// an IPv4 literal, "[" 2*45 of 0-9 A-F a-f : . "]", or a dns-name of 1*255 of 0-9 A-Z a-z - .
const HISTORICAL_LOCALPART = /^[\x21-\x39\x3b-\x7e]+$/;
const DNS_NAME = /^[A-Za-z0-9.-]{1,255}$/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const IPV6_LITERAL = /^\[[0-9A-Fa-f:.]{2,45}\]$/;

/** Splits `@localpart:server` at the first ':'; undefined when it is not a valid user ID. */
export function parseUserId(userId: string): UserIdParts | undefined {
  if (typeof userId !== "string" || userId.length > MAX_USER_ID_LENGTH) return undefined;
  if (!userId.startsWith("@")) return undefined;
  const colon = userId.indexOf(":");
  if (colon < 2) return undefined;
  const localpart = userId.slice(1, colon);
  const server = userId.slice(colon + 1);
  if (!HISTORICAL_LOCALPART.test(localpart)) return undefined;
  const host = serverHost(server);
  if (host === undefined) return undefined;
  return { localpart, server, host };
}

/** A full Matrix user ID such as `@alice:example.org`, by the spec's grammar. */
export function isUserId(value: unknown): value is string {
  return typeof value === "string" && parseUserId(value) !== undefined;
}

/**
 * The host of a server name (`host[:port]`, the host being a DNS name, an IPv4
 * address or a bracketed IPv6 literal), lowercased; undefined when invalid.
 */
export function serverHost(server: string): string | undefined {
  if (typeof server !== "string" || server.length === 0 || server.length > 255) return undefined;
  let host = server;
  const port = /:(\d{1,5})$/.exec(server);
  if (port && !server.endsWith("]")) {
    if (Number(port[1]) > 65535) return undefined; // no such TCP port
    host = server.slice(0, port.index);
  }
  if (IPV6_LITERAL.test(host)) return host.toLowerCase();
  // A dotted quad is an IPv4 literal, whose numbers the spec keeps to 0–255.
  if (IPV4.test(host)) return host.split(".").every((n) => Number(n) <= 255) ? host : undefined;
  if (!DNS_NAME.test(host)) return undefined;
  return host.toLowerCase().replace(/\.$/, "");
}

export function hasGlobWildcard(pattern: string): boolean {
  return pattern.includes("*") || pattern.includes("?");
}

/**
 * The spec's glob-style matching (appendix "Glob-style matching", used by policy
 * lists): `*` is any run of characters, `?` exactly one, everything else literal.
 * Unlike file globs, `*` crosses ':' '.' and '/' — a localpart may contain '/' — and
 * there are no braces, brackets or negation. Case-insensitive: server names are,
 * and a blocklist should not be dodged by capitals.
 */
export function matrixGlob(pattern: string): RegExp {
  let source = "";
  for (const char of pattern) {
    if (char === "*") source += ".*";
    else if (char === "?") source += ".";
    else source += char.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "isu");
}
