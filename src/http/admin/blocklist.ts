/**
 * The blocklist in the admin API, under `/admin/v1`: `GET /blocklist` (the
 * entries, and the policy lists followed), `POST /blocklist` (add
 * `{pattern, kind?, reason?}`), `DELETE /blocklist?pattern=…[&kind=…]`. Same
 * conventions as routes.ts: bodies validated here (400), errors `{error, message}`.
 */
import type { FastifyInstance } from "fastify";
import * as z from "zod";
import { BLOCK_KINDS } from "../../../core/moderation/blocklist.js";
import type { AuditSink } from "../../../core/ports.js";
import type { PolicyListStatus } from "../../moderation/policy-lists.js";
import type { BlocklistStore } from "../../store/blocklist-store.js";
import { addBlock, removeBlock } from "../../moderation/blocklist-edits.js";
import { ACTOR_HEADER, ADMIN_PREFIX, ApiError, parseActor, parseOr400 } from "./common.js";

export interface BlocklistAdmin {
  readonly blocklist: BlocklistStore;
  policyLists(): PolicyListStatus[];
  readonly audit: Pick<AuditSink, "append">;
}

const addSchema = z.strictObject({
  // An empty pattern is the blocklist's to refuse, in the words the in-process console gives too.
  pattern: z.string().max(255),
  kind: z.enum(BLOCK_KINDS).optional(),
  reason: z.string().max(1000).optional(),
});

const removeQuery = z.strictObject({
  pattern: z.string().min(1).max(255),
  kind: z.enum(BLOCK_KINDS).optional(),
});

/** Registers the routes; without a blocklist (a process with no runtime) they answer 503. */
export function registerBlocklistRoutes(
  app: FastifyInstance,
  admin: BlocklistAdmin | undefined,
): void {
  const need = (): BlocklistAdmin => {
    if (admin) return admin;
    throw new ApiError(503, "blocklist_unavailable", "the blocklist is not open in this process");
  };

  app.get(`${ADMIN_PREFIX}/blocklist`, async () => {
    const { blocklist, policyLists } = need();
    return { path: blocklist.path, entries: blocklist.entries, policy_lists: policyLists() };
  });

  app.post(`${ADMIN_PREFIX}/blocklist`, async (request, reply) => {
    const { blocklist, audit } = need();
    const by = parseActor(request.headers[ACTOR_HEADER]);
    const body = parseOr400(addSchema, request.body, "body");
    const outcome = await addBlock({ blocklist, audit }, { ...body, by, nowMs: Date.now() });
    if (!outcome.ok) throw new ApiError(400, "bad_request", outcome.error);
    if (!outcome.added) return reply.code(200).send({ entry: outcome.entry, added: false });
    return reply.code(201).send({ entry: outcome.entry, added: true });
  });

  app.delete(`${ADMIN_PREFIX}/blocklist`, async (request) => {
    const { blocklist, audit } = need();
    const by = parseActor(request.headers[ACTOR_HEADER]);
    const query = parseOr400(removeQuery, request.query, "query");
    const removed = await removeBlock({ blocklist, audit }, { ...query, by, nowMs: Date.now() });
    if (removed.length === 0) {
      throw new ApiError(404, "not_found", `no blocklist entry ${JSON.stringify(query.pattern)}`);
    }
    return { removed };
  });
}
