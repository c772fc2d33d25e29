/**
 * Adding and removing blocklist entries with their audit lines: the one path
 * the admin API, the `!block` command and the in-process console share, so
 * every change is on disk and in the audit log the same way.
 */
import type { BlockEntry, BlockKind } from "../../core/moderation/blocklist.js";
import type { AuditSink } from "../../core/ports.js";
import type { BlocklistStore } from "../store/blocklist-store.js";

export interface BlocklistEditDeps {
  readonly blocklist: BlocklistStore;
  readonly audit: Pick<AuditSink, "append">;
}

export type BlockAdded =
  | { readonly ok: false; readonly error: string }
  | { readonly ok: true; readonly entry: BlockEntry; readonly added: boolean };

/** Adds a pattern (kind guessed when not given); one already listed is returned as it is, unaudited. */
export async function addBlock(
  deps: BlocklistEditDeps,
  request: { pattern: string; kind?: BlockKind; reason?: string; by: string; nowMs: number },
): Promise<BlockAdded> {
  const { pattern, kind, reason, by, nowMs } = request;
  const outcome = deps.blocklist.add(pattern, {
    ...(kind ? { kind } : {}),
    ...(reason ? { reason } : {}),
    addedBy: by,
    nowMs,
  });
  if (!outcome.ok || !outcome.added) return outcome;
  await deps.blocklist.flush();
  const { entry } = outcome;
  await deps.audit.append({
    ts: nowMs / 1000,
    type: "blocklist_added",
    pattern: entry.pattern,
    kind: entry.kind,
    ...(entry.reason ? { reason: entry.reason } : {}),
    by,
  });
  return outcome;
}

/** Removes the pattern's entries (of one kind, when given); none removed is not audited. */
export async function removeBlock(
  deps: BlocklistEditDeps,
  request: { pattern: string; kind?: BlockKind; by: string; nowMs: number },
): Promise<BlockEntry[]> {
  const removed = deps.blocklist.remove(request.pattern, request.kind);
  if (removed.length === 0) return removed;
  await deps.blocklist.flush();
  await deps.audit.append({
    ts: request.nowMs / 1000,
    type: "blocklist_removed",
    pattern: request.pattern,
    kinds: removed.map((entry) => entry.kind),
    by: request.by,
  });
  return removed;
}
