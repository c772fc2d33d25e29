/**
 * ModerationApi (core/moderation-api.ts) over the daemon's admin API on its
 * socket, and the wordings the attached and the in-process one
 * (src/entry/console-in-process.ts) share.
 */
import { Agent } from "node:http";
import type { BlockEntry } from "../../core/moderation/blocklist.js";
import type { Role } from "../../core/moderation/power-levels.js";
import type { RegistrationToken } from "../../core/ports.js";
import type { CodeBookName } from "../../core/api.js";
import type { Endorsement } from "../../core/admission/endorsements.js";
import type {
  MemberLevels,
  ModerationApi,
  ModerationOutcome,
  RoomMemberResult,
} from "../../core/moderation-api.js";
import { ADMIN_PREFIX, AdminApiError, call } from "./admin-socket.js";
import { memberActionOutcome } from "../moderation/member-actions.js";

/** The one wording, attached and in-process, of revoking a person's codes. */
export function revokedCodesSummary(
  user: string,
  revoked: readonly { readonly code: string }[],
): string {
  if (revoked.length === 0) return `${user} had no live codes to revoke`;
  return `revoked ${revoked.length} code${revoked.length === 1 ? "" : "s"} of ${user}`;
}

/** The one wording, attached and in-process, of a revoke that found nothing. */
export const NO_SUCH_TOKEN = "no such registration token";

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
      const { body } = await request("GET", `${ADMIN_PREFIX}/blocklist`);
      const entries = object(body).entries;
      return Array.isArray(entries) ? entries.filter(isBlockEntry) : [];
    },
    async addBlock(pattern, reason, by) {
      try {
        const { body } = await request("POST", `${ADMIN_PREFIX}/blocklist`, {
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
    async removeBlock(pattern, by, kind) {
      const query = new URLSearchParams({ pattern, ...(kind ? { kind } : {}) });
      try {
        await request("DELETE", `${ADMIN_PREFIX}/blocklist?${query.toString()}`, { actor: by });
        return { ok: true, summary: `unblocked ${kind ? `${pattern} (${kind})` : pattern}` };
      } catch (error) {
        return refusal(error);
      }
    },
    async members() {
      const { body } = await request("GET", `${ADMIN_PREFIX}/members`);
      const members = object(body).members;
      return Array.isArray(members) ? members.flatMap(memberOf) : [];
    },
    async roles() {
      const { body } = await request("GET", `${ADMIN_PREFIX}/roles`);
      const roles = object(body).roles;
      return Array.isArray(roles) ? roles.filter(isRole) : [];
    },
    setRole: (user, role, by) => roleChange("POST", `${ADMIN_PREFIX}/roles`, { user, role }, by),
    demote: (user, by) =>
      roleChange("DELETE", `${ADMIN_PREFIX}/roles/${encodeURIComponent(user)}`, undefined, by),
    async memberAction(user, action, reason, by) {
      try {
        const { body } = await request(
          "POST",
          `${ADMIN_PREFIX}/members/${encodeURIComponent(user)}/actions`,
          { body: { action, ...(reason === undefined ? {} : { reason }) }, actor: by },
        );
        const rooms = object(body).rooms;
        const result = {
          ok: true,
          action,
          user,
          rooms: Array.isArray(rooms) ? rooms.flatMap(roomResultOf) : [],
        } as const;
        return memberActionOutcome(result);
      } catch (error) {
        // 503: the homeserver did not answer, which the moderator reads like a refusal.
        if (error instanceof AdminApiError && error.status === 503) {
          return { ok: false, error: error.message.replace(/^[A-Z]+ \S+: \d+ /, "") };
        }
        return refusal(error);
      }
    },
    async registrationTokens() {
      try {
        const { body } = await request("GET", `${ADMIN_PREFIX}/tokens`);
        const tokens = object(body).tokens;
        return { ok: true, tokens: Array.isArray(tokens) ? tokens.flatMap(tokenOf) : [] };
      } catch (error) {
        return tokenRefusal(error);
      }
    },
    async issueToken(wanted, by) {
      try {
        const { body } = await request("POST", `${ADMIN_PREFIX}/tokens`, {
          body: {
            ...(wanted.uses === undefined ? {} : { uses: wanted.uses }),
            ...(wanted.expiresAt === undefined ? {} : { expires_at: wanted.expiresAt / 1000 }),
          },
          actor: by,
        });
        const [token] = tokenOf(object(body).token);
        return token ? { ok: true, token } : { ok: false, error: "the daemon sent no token" };
      } catch (error) {
        return tokenRefusal(error);
      }
    },
    async revokeToken(token, by) {
      try {
        await request("DELETE", `${ADMIN_PREFIX}/tokens/${encodeURIComponent(token)}`, {
          actor: by,
        });
        return { ok: true, summary: `revoked registration token ${token}` };
      } catch (error) {
        if (error instanceof AdminApiError && error.status === 404) {
          return { ok: false, error: NO_SUCH_TOKEN };
        }
        return tokenRefusal(error);
      }
    },
    async endorsements(user) {
      try {
        const path = `${ADMIN_PREFIX}/members/${encodeURIComponent(user)}/endorsements`;
        const answer = object((await request("GET", path)).body);
        const endorsedBy = endorsementOf(answer.endorsed_by)[0];
        return {
          ok: true,
          endorsements: {
            user,
            endorsedBy,
            endorsed: Array.isArray(answer.endorsed) ? answer.endorsed.flatMap(endorsementOf) : [],
            liveCodes: Array.isArray(answer.live_codes)
              ? answer.live_codes.flatMap(bookCodeOf)
              : [],
          },
        };
      } catch (error) {
        // 503: this daemon keeps no endorsement log.
        if (error instanceof AdminApiError && error.status === 503) {
          return { ok: false, error: error.message.replace(/^[A-Z]+ \S+: \d+ /, "") };
        }
        return refusal(error) as { ok: false; error: string };
      }
    },
    async revokeCodesOf(user, by) {
      try {
        const path = `${ADMIN_PREFIX}/members/${encodeURIComponent(user)}/codes/revoke`;
        const revoked = object((await request("POST", path, { actor: by })).body).revoked;
        return {
          ok: true,
          summary: revokedCodesSummary(
            user,
            Array.isArray(revoked) ? revoked.flatMap(bookCodeOf) : [],
          ),
        };
      } catch (error) {
        return refusal(error);
      }
    },
    close: () => agent.destroy(),
  };
}

/**
 * The daemon saying no about tokens: a bad value (400), the homeserver refusing
 * (502: the bot is not a server admin) or not answering, or no issuer (503).
 * The message is the daemon's, without the method and path (which hold the token).
 */
function tokenRefusal(error: unknown): { ok: false; error: string } {
  if (error instanceof AdminApiError && [400, 404, 502, 503].includes(error.status)) {
    return { ok: false, error: error.message.replace(/^[A-Z]+ \S+: \d+ /, "") };
  }
  throw error;
}

/** A token as the admin API shows it (tokenJson in src/http/admin/tokens.ts), times back to ms. */
function tokenOf(value: unknown): RegistrationToken[] {
  const raw = object(value);
  const count = (field: unknown) =>
    typeof field === "number" && Number.isInteger(field) && field >= 0 ? field : 0;
  const optional = (field: unknown) =>
    typeof field === "number" && Number.isFinite(field) && field >= 0 ? field : null;
  if (typeof raw.token !== "string") return [];
  const expiresAt = optional(raw.expires_at);
  return [
    {
      token: raw.token,
      usesAllowed: optional(raw.uses_allowed),
      pending: count(raw.pending),
      completed: count(raw.completed),
      expiresAt: expiresAt === null ? null : Math.round(expiresAt * 1000),
    },
  ];
}

/** One room's outcome as the admin API answers it (src/http/admin/members.ts). */
function roomResultOf(value: unknown): RoomMemberResult[] {
  const room = object(value);
  if (typeof room.roomId !== "string") return [];
  if (room.outcome === "done") return [{ roomId: room.roomId, outcome: "done" }];
  const reason = typeof room.reason === "string" ? room.reason : "failed";
  return [{ roomId: room.roomId, outcome: "failed", reason, transient: room.transient === true }];
}

/** One line of endorsements.jsonl as the admin API answers it. */
function endorsementOf(value: unknown): Endorsement[] {
  const raw = object(value);
  if (typeof raw.endorser !== "string" || typeof raw.invitee !== "string") return [];
  return [
    {
      endorser: raw.endorser,
      invitee: raw.invitee,
      code_or_manual: typeof raw.code_or_manual === "string" ? raw.code_or_manual : "manual",
      room_id: typeof raw.room_id === "string" ? raw.room_id : null,
      ts: typeof raw.ts === "number" ? raw.ts : 0,
    },
  ];
}

function bookCodeOf(value: unknown): { book: CodeBookName; code: string }[] {
  const raw = object(value);
  const book = raw.book === "invite" || raw.book === "signup" ? raw.book : undefined;
  return book && typeof raw.code === "string" ? [{ book, code: raw.code }] : [];
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
