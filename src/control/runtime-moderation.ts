/**
 * The console's ModerationApi straight on a runtime (the in-process console):
 * the same blocklist edits, role service and outcomes as the admin API gives
 * an attached console (moderation-api.ts), without the HTTP in between.
 */
import { HomeserverError } from "../../core/ports.js";
import type { ModerationApi } from "../../core/moderation-api.js";
import { NO_SUCH_TOKEN, revokedCodesSummary, roleSummary } from "./moderation-api.js";
import { memberEndorsements, revokeCodesOf } from "../moderation/endorsements.js";
import { addBlock, removeBlock } from "../moderation/blocklist-edits.js";
import { roleChangeComplete, type RoleChangeResult } from "../moderation/roles.js";
import { memberActionOutcome } from "../moderation/member-actions.js";
import type { Runtime } from "../runtime.js";

/** `endorsementsPath`: the runtime's endorsements.jsonl; without it the tree is not available. */
export function runtimeModeration(runtime: Runtime, endorsementsPath?: string): ModerationApi {
  const edits = { blocklist: runtime.moderation.blocklist, audit: runtime.audit };
  const { service, members } = runtime.roles;
  const roleOutcome = (result: RoleChangeResult) =>
    result.ok
      ? ({
          ok: true,
          summary: roleSummary(result.user, result.role, roleChangeComplete(result)),
        } as const)
      : ({ ok: false, error: result.reason } as const);
  return {
    blocklist: async () => runtime.moderation.blocklist.entries,
    async addBlock(pattern, reason, by) {
      const outcome = await addBlock(edits, {
        pattern,
        ...(reason ? { reason } : {}),
        by,
        nowMs: Date.now(),
      });
      if (!outcome.ok) return outcome;
      const shown = `${outcome.entry.pattern} (${outcome.entry.kind})`;
      return {
        ok: true,
        summary: outcome.added ? `blocked ${shown}` : `${shown} was already blocked`,
      };
    },
    async removeBlock(pattern, by, kind) {
      const removed = await removeBlock(edits, {
        pattern,
        ...(kind ? { kind } : {}),
        by,
        nowMs: Date.now(),
      });
      return removed.length > 0
        ? { ok: true, summary: `unblocked ${kind ? `${pattern} (${kind})` : pattern}` }
        : { ok: false, error: `no blocklist entry ${JSON.stringify(pattern)}` };
    },
    members: async () =>
      (await service.members(members)).map((member) => ({
        user: member.userId,
        ...(member.displayName === undefined ? {} : { displayName: member.displayName }),
        levels: Object.fromEntries(
          Object.entries(member.rooms).map(([roomId, room]) => [
            roomId,
            Number.isFinite(room.level) ? room.level : null,
          ]),
        ),
      })),
    roles: async () => service.roles,
    setRole: async (user, role, by) =>
      roleOutcome(await service.promote(user, role, by, { via: "console" })),
    demote: async (user, by) => roleOutcome(await service.demote(user, by, { via: "console" })),
    memberAction: async (user, action, reason, by) =>
      memberActionOutcome(
        await runtime.memberActions.act(action, user, {
          by,
          via: "console",
          ...(reason === undefined ? {} : { reason }),
        }),
      ),
    registrationTokens: () =>
      homeserverOutcome(async () => ({ ok: true, tokens: await runtime.tokens.list() })),
    issueToken: (request, by) =>
      homeserverOutcome(async () => ({
        ok: true,
        token: await runtime.tokens.issue(request, { by, via: "console" }),
      })),
    revokeToken: (token, by) =>
      homeserverOutcome(async () =>
        (await runtime.tokens.revoke(token, { by, via: "console" }))
          ? { ok: true, summary: `revoked registration token ${token}` }
          : { ok: false, error: NO_SUCH_TOKEN },
      ),
    endorsements: async (user) =>
      endorsementsPath === undefined
        ? { ok: false, error: "endorsements are not kept in this process" }
        : {
            ok: true,
            endorsements: await memberEndorsements(
              user,
              endorsementsPath,
              runtime.engine.snapshot(),
              Date.now(),
            ),
          },
    revokeCodesOf: async (user, by) => ({
      ok: true,
      summary: revokedCodesSummary(user, await revokeCodesOf(runtime.engine, user, by, Date.now())),
    }),
  };
}

/** What the homeserver refuses, or does not answer, is an outcome, worded as the admin API words it. */
async function homeserverOutcome<T>(
  call: () => Promise<T>,
): Promise<T | { ok: false; error: string }> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof HomeserverError)) throw error;
    return {
      ok: false,
      error: error.transient
        ? `the homeserver did not answer; try again: ${error.message}`
        : error.message,
    };
  }
}
