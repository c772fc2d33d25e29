/** Runs one effect from an outbox against the homeserver, through the MatrixPort. */
import type { PendingEffect } from "../effects.js";
import type { MatrixPort } from "../ports.js";
import * as say from "../challenge/messages.js";
import { lobbyRoomName, lobbyRoomTopic } from "../lobby/messages.js";
import type { VettingRecord } from "../vetting/record.js";
import type { EffectResult, LedgerRecord } from "./outboxes.js";

export interface Community {
  readonly spaceId: string;
  readonly childIds: readonly string[];
}

export async function performEffect(
  matrix: MatrixPort,
  community: Community,
  record: LedgerRecord,
  pending: PendingEffect,
): Promise<EffectResult> {
  const { effect } = pending;
  switch (effect.kind) {
    case "createVettingRoom": {
      const { challenge } = record as VettingRecord;
      const roomId = await matrix.createVettingRoom({
        key: effect.key,
        user: effect.user,
        name: say.vettingRoomName(),
        topic: challenge
          ? `write a 3-line haiku about: ${challenge.topic} — include the word "${challenge.keyword}"`
          : "",
      });
      return { roomId };
    }
    case "createLobbyRoom":
      // The topic does not give the challenge away: the room can be previewed by anyone with the link.
      return matrix.createLobbyRoom({
        key: effect.key,
        name: lobbyRoomName(),
        topic: lobbyRoomTopic(),
      });
    case "admitToCommunity":
      for (const roomId of [community.spaceId, ...community.childIds]) {
        await matrix.invite(roomId, effect.user);
      }
      return {};
    case "send":
      await matrix.sendText(effect.roomId, effect.text, `anteroom.${record.key}.${pending.id}`);
      return {};
    case "denyKnock":
      await matrix.kick(community.spaceId, effect.user, effect.reason);
      return {};
    case "removeFromRoom":
      await matrix.kick(effect.roomId, effect.user, effect.reason);
      return {};
    case "leaveRoom":
      await matrix.leaveAndForget(effect.roomId);
      return {};
  }
}
