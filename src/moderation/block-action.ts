/** `!block PATTERN [reason]` in the operator room: an entry in the blocklist, audited. */
import type { ActionOutcome } from "../chat/operator-actions.js";
import { addBlock, type BlocklistEditDeps } from "./blocklist-edits.js";

export function blockAction(deps: BlocklistEditDeps & { readonly now: () => number }) {
  return async (
    pattern: string,
    reason: string | undefined,
    by: string,
  ): Promise<ActionOutcome> => {
    const outcome = await addBlock(deps, {
      pattern,
      ...(reason ? { reason } : {}),
      by,
      nowMs: deps.now(),
    });
    if (!outcome.ok) return outcome;
    const { entry, added } = outcome;
    if (!added)
      return { ok: true, summary: `${entry.pattern} (${entry.kind}) was already blocked` };
    return { ok: true, summary: `blocked ${entry.pattern} (${entry.kind})` };
  };
}
