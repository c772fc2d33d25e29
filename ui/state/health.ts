/**
 * What the console knows of the engine's health: the daemon's answer on the
 * admin API when attached, the runtime's own report in-process. Read as
 * untrusted JSON: a field of the wrong type is left out, never shown.
 */
import type { UndecryptableMessages } from "../../core/moderation/triage.js";
import { validPublicUrl } from "../format/code-link.js";

export interface ConsoleHealth {
  /** When the console last asked (ms). */
  readonly checkedAt: number;
  /** The engine is ready: the homeserver answers and sync is fresh. */
  readonly ok: boolean;
  readonly status: string;
  /** Why it is not ready (a failing disk write, an unreachable homeserver), as the daemon says. */
  readonly reason?: string;
  /** The sync loop's state (SYNCING, PREPARED, RECONNECTING, ERROR, …). */
  readonly sync: string;
  readonly lastSyncMsAgo: number | null;
  /** The public address of the join and signup pages (HS_PUBLIC). */
  readonly publicUrl?: string;
  readonly pid?: number;
  /** The bot's end-to-end encryption, and the operator-room messages it could not decrypt. */
  readonly encryption?: { readonly on: boolean; readonly undecryptable: number } & Pick<
    UndecryptableMessages,
    "last"
  >;
}

/** Where health comes from: the daemon's `/health` or the runtime's report; rejects when unreachable. */
export type HealthSource = () => Promise<{ ok: boolean; body: unknown }>;

export function readHealth(ok: boolean, body: unknown, checkedAt: number): ConsoleHealth {
  const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const text = (value: unknown) => (typeof value === "string" ? value.slice(0, 100) : "unknown");
  const count = (value: unknown) =>
    typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
  const publicUrl = validPublicUrl(fields.public_url);
  const pid = count(fields.pid);
  const reason = typeof fields.reason === "string" ? fields.reason.slice(0, 300) : undefined;
  const encryption = readEncryption(fields.encryption, count);
  return {
    checkedAt,
    ok,
    status: text(fields.status),
    ...(reason === undefined ? {} : { reason }),
    sync: text(fields.sync),
    lastSyncMsAgo: count(fields.last_sync_ms_ago) ?? null,
    ...(publicUrl === undefined ? {} : { publicUrl }),
    ...(pid === undefined ? {} : { pid }),
    ...(encryption === undefined ? {} : { encryption }),
  };
}

function readEncryption(
  value: unknown,
  count: (value: unknown) => number | undefined,
): ConsoleHealth["encryption"] {
  if (typeof value !== "object" || value === null) return undefined;
  const { on, undecryptable, last } = value as Record<string, unknown>;
  const n = count(undecryptable);
  if (typeof on !== "boolean" || n === undefined) return undefined;
  const lastSeen =
    typeof last === "object" && last !== null ? (last as Record<string, unknown>) : {};
  const at = count(lastSeen.at);
  const sender = typeof lastSeen.sender === "string" ? lastSeen.sender.slice(0, 255) : undefined;
  return {
    on,
    undecryptable: n,
    ...(at === undefined ? {} : { last: { at, ...(sender === undefined ? {} : { sender }) } }),
  };
}
