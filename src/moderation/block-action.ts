/** `!block PATTERN [reason]` in the operator room: an entry in the blocklist, audited. */
import type { AuditSink } from "../../core/ports.js";
import type { ActionOutcome } from "../chat/operator-actions.js";
import type { BlocklistStore } from "../store/blocklist-store.js";

export function blockAction(deps: {
  readonly blocklist: BlocklistStore;
  readonly audit: Pick<AuditSink, "append">;
  readonly now: () => number;
}) {
  return async (
    pattern: string,
    reason: string | undefined,
    by: string,
  ): Promise<ActionOutcome> => {
    const nowMs = deps.now();
    const outcome = deps.blocklist.add(pattern, {
      ...(reason ? { reason } : {}),
      addedBy: by,
      nowMs,
    });
    if (!outcome.ok) return outcome;
    const { entry, added } = outcome;
    if (!added)
      return { ok: true, summary: `${entry.pattern} (${entry.kind}) was already blocked` };
    await deps.blocklist.flush();
    await deps.audit.append({
      ts: nowMs / 1000,
      type: "blocklist_added",
      pattern: entry.pattern,
      kind: entry.kind,
      ...(entry.reason ? { reason: entry.reason } : {}),
      by,
    });
    return { ok: true, summary: `blocked ${entry.pattern} (${entry.kind})` };
  };
}
