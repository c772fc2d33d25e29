/**
 * Tells the operators' notify room when something starts waiting for a
 * moderator — a knock held (no code, near a blocklist entry, a form request)
 * or an effect the engine gave up on — so on-call hears of it on a phone and
 * can answer with `!approve` / `!reject`. Limited per minute, with one summary
 * line beyond that. What was already waiting when it starts is not told again.
 */
import type { EngineApi } from "../../core/api.js";
import { NoticeBudget, waitingNotice } from "../../core/chat-commands/held.js";
import { troubles } from "../../core/moderation/triage.js";
import type { LobbyRecord } from "../../core/lobby/record.js";
import type { VettingRecord } from "../../core/vetting/record.js";
import type { SendNotice } from "./notice.js";

export interface WaitingNoticeDeps {
  readonly api: Pick<EngineApi, "subscribe" | "snapshot">;
  readonly send: SendNotice;
  readonly roomId: string;
  readonly onError: (error: unknown) => void;
  readonly now?: () => number;
  /** Notices a minute before they are summarised (default 6). */
  readonly perMinute?: number;
}

/** Starts forwarding; returns the stop. */
export function noticeWaiting(deps: WaitingNoticeDeps): () => void {
  const now = deps.now ?? Date.now;
  const budget = new NoticeBudget(deps.perMinute ?? 6);
  const told = new Set<string>();
  let summaryTimer: NodeJS.Timeout | undefined;
  const send = (text: string, txnId: string) =>
    deps.send(deps.roomId, text, txnId).catch(deps.onError);

  const flushSummary = () => {
    summaryTimer = undefined;
    const summary = budget.takeSummary();
    if (summary) void send(summary, `anteroom.waiting.summary.${now()}`);
  };
  const tell = (id: string, text: string) => {
    if (budget.admit(now())) return void send(text, `anteroom.waiting.${id}`);
    const due = budget.summaryDueAt();
    if (due !== undefined && !summaryTimer) {
      summaryTimer = setTimeout(flushSummary, Math.max(0, due - now()));
      summaryTimer.unref();
    }
  };
  const waitingNow = (records: readonly VettingRecord[], lobbies: readonly LobbyRecord[]) =>
    troubles(records, lobbies, [], now());

  const unsubscribe = deps.api.subscribe((event) => {
    const found =
      event.type === "record"
        ? waitingNow([event.record], [])
        : event.type === "lobby"
          ? waitingNow([], [event.lobby])
          : [];
    for (const trouble of found) {
      const text = waitingNotice(trouble);
      if (text === undefined || told.has(trouble.id)) continue;
      told.add(trouble.id);
      tell(trouble.id, text);
    }
  });
  const { records, lobbies } = deps.api.snapshot();
  for (const trouble of waitingNow(records, lobbies)) told.add(trouble.id);
  return () => {
    unsubscribe();
    if (summaryTimer) clearTimeout(summaryTimer);
  };
}
