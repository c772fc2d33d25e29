/**
 * Moderation for the console, beside EngineApi: the blocklist and the members
 * with their roles. Attached, it is the daemon's admin API over the socket;
 * in-process, the runtime's blocklist and role service (console-in-process.ts).
 * A request the daemon refuses (a bad pattern, an unknown role) resolves as
 * `{ok: false}`; a daemon that cannot be reached rejects.
 */
import { Agent } from "node:http";
import type { BlockEntry } from "../../core/moderation/blocklist.js";
import type { Role } from "../../core/moderation/power-levels.js";
import { AdminApiError, call } from "./attach-client.js";

export interface MemberLevels {
  readonly user: string;
  readonly displayName?: string;
  /** Power level per room ID; null is unlimited (a room creator). */
  readonly levels: Readonly<Record<string, number | null>>;
}

export type ModerationOutcome =
  { readonly ok: true; readonly summary: string } | { readonly ok: false; readonly error: string };

export interface ModerationApi {
  blocklist(): Promise<readonly BlockEntry[]>;
  addBlock(pattern: string, reason: string | undefined, by: string): Promise<ModerationOutcome>;
  removeBlock(pattern: string, by: string): Promise<ModerationOutcome>;
  members(): Promise<readonly MemberLevels[]>;
  /** The configured roles, lowest first as configured. */
  roles(): Promise<readonly Role[]>;
  setRole(user: string, role: string, by: string): Promise<ModerationOutcome>;
  demote(user: string, by: string): Promise<ModerationOutcome>;
}

const PREFIX = "/admin/v1";

/** The summary of a role change as the admin API answers it. */
export function roleSummary(user: string, role: string | undefined, complete: boolean): string {
  const what = role === undefined ? `demoted ${user}` : `made ${user} ${role}`;
  return complete ? what : `${what}, but not in every room (see the Log view)`;
}

/** The admin API over the daemon's socket. */
export function attachedModeration(socketPath: string): ModerationApi & { close(): void } {
  const agent = new Agent({ keepAlive: true });
  const request = (
    method: string,
    path: string,
    opts: { body?: unknown; actor?: string; accept?: number[] } = {},
  ) => call(agent, socketPath, method, path, opts);
  /** A 400 or 404 is the daemon saying no: an outcome, not a failure. */
  const refusal = (error: unknown): ModerationOutcome => {
    if (error instanceof AdminApiError && (error.status === 400 || error.status === 404)) {
      return { ok: false, error: error.message.replace(/^[A-Z]+ \S+: \d+ /, "") };
    }
    throw error;
  };
  const roleChange = async (method: string, path: string, body: unknown, by: string) => {
    try {
      const { body: answer } = await request(method, path, { body, actor: by });
      const result = object(answer);
      const user = String(result.user ?? "");
      const role = typeof result.role === "string" ? result.role : undefined;
      return { ok: true, summary: roleSummary(user, role, result.complete === true) } as const;
    } catch (error) {
      return refusal(error);
    }
  };
  return {
    async blocklist() {
      const { body } = await request("GET", `${PREFIX}/blocklist`);
      const entries = object(body).entries;
      return Array.isArray(entries) ? entries.filter(isBlockEntry) : [];
    },
    async addBlock(pattern, reason, by) {
      try {
        const { body } = await request("POST", `${PREFIX}/blocklist`, {
          body: { pattern, ...(reason ? { reason } : {}) },
          actor: by,
        });
        const { entry, added } = object(body);
        const shown = isBlockEntry(entry) ? `${entry.pattern} (${entry.kind})` : pattern;
        return { ok: true, summary: added ? `blocked ${shown}` : `${shown} was already blocked` };
      } catch (error) {
        return refusal(error);
      }
    },
    async removeBlock(pattern, by) {
      try {
        await request("DELETE", `${PREFIX}/blocklist?pattern=${encodeURIComponent(pattern)}`, {
          actor: by,
        });
        return { ok: true, summary: `unblocked ${pattern}` };
      } catch (error) {
        return refusal(error);
      }
    },
    async members() {
      const { body } = await request("GET", `${PREFIX}/members`);
      const members = object(body).members;
      return Array.isArray(members) ? members.flatMap(memberOf) : [];
    },
    async roles() {
      const { body } = await request("GET", `${PREFIX}/roles`);
      const roles = object(body).roles;
      return Array.isArray(roles) ? roles.filter(isRole) : [];
    },
    setRole: (user, role, by) => roleChange("POST", `${PREFIX}/roles`, { user, role }, by),
    demote: (user, by) =>
      roleChange("DELETE", `${PREFIX}/roles/${encodeURIComponent(user)}`, undefined, by),
    close: () => agent.destroy(),
  };
}

function object(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

function isBlockEntry(value: unknown): value is BlockEntry {
  const entry = object(value);
  return typeof entry.pattern === "string" && typeof entry.kind === "string";
}

function isRole(value: unknown): value is Role {
  const role = object(value);
  return typeof role.name === "string" && typeof role.level === "number";
}

function memberOf(value: unknown): MemberLevels[] {
  const member = object(value);
  if (typeof member.user !== "string") return [];
  const levels: Record<string, number | null> = {};
  for (const [roomId, room] of Object.entries(object(member.rooms))) {
    const level = object(room).level;
    if (typeof level === "number" || level === null) levels[roomId] = level;
  }
  const displayName = typeof member.display_name === "string" ? member.display_name : undefined;
  return [{ user: member.user, ...(displayName === undefined ? {} : { displayName }), levels }];
}
