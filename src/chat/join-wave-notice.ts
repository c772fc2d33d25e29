/**
 * Tells the operators' notify room when a join wave starts and ends, from the
 * engine's event stream. A failed notice is logged: the audit log and the
 * console carry the same news.
 */
import type { EngineApi } from "../../core/api.js";
import { waveEndedNotice, waveStartedNotice } from "../../core/moderation/join-wave-messages.js";
import type { SendNotice } from "./notice.js";

export interface JoinWaveNoticeDeps {
  readonly api: Pick<EngineApi, "subscribe" | "snapshot">;
  readonly send: SendNotice;
  readonly roomId: string;
  readonly onError: (error: unknown) => void;
}

/** Starts forwarding; returns the unsubscribe. */
export function noticeJoinWaves(deps: JoinWaveNoticeDeps): () => void {
  return deps.api.subscribe((event) => {
    if (event.type !== "joinWave") return;
    const { transition } = event;
    const text =
      transition.kind === "started"
        ? waveStartedNotice(transition.ratePerMinute, transition.reason)
        : waveEndedNotice(transition.arrivals, transition.reason, awaiting(deps.api));
    deps
      .send(deps.roomId, text, `anteroom.joinwave.${transition.kind}.${transition.at}`)
      .catch(deps.onError);
  });
}

/** Passes waiting for a moderator right now: at a wave's end these are the ones let in. */
function awaiting(api: Pick<EngineApi, "snapshot">): number {
  const snapshot = api.snapshot();
  return (
    snapshot.records.filter((record) => record.phase === "awaiting_moderator").length +
    snapshot.lobbies.filter((lobby) => lobby.phase === "awaiting_moderator").length
  );
}
