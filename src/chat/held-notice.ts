/**
 * Tells the operators' notify room when a knock starts waiting for a
 * moderator (no code, near a blocklist entry, a form request), so on-call
 * hears of it on a phone and can answer with `!approve` or `!reject`.
 * Knocks already held when it starts were told of before; the transaction id
 * keeps a repeat a no-op.
 */
import type { EngineApi } from "../../core/api.js";
import { heldNotice } from "../../core/chat-commands/held.js";
import type { SendNotice } from "./notice.js";

export interface HeldNoticeDeps {
  readonly api: Pick<EngineApi, "subscribe" | "snapshot">;
  readonly send: SendNotice;
  readonly roomId: string;
  readonly onError: (error: unknown) => void;
}

/** Starts forwarding; returns the unsubscribe. */
export function noticeHeldKnocks(deps: HeldNoticeDeps): () => void {
  const told = new Set<string>();
  const unsubscribe = deps.api.subscribe((event) => {
    if (event.type !== "record" || event.record.phase !== "held") return;
    const { record } = event;
    if (told.has(record.key)) return;
    told.add(record.key);
    deps.send(deps.roomId, heldNotice(record), `anteroom.held.${record.key}`).catch(deps.onError);
  });
  for (const record of deps.api.snapshot().records) {
    if (record.phase === "held") told.add(record.key);
  }
  return unsubscribe;
}
