/**
 * A private, invite-only operators' room made by the community's bot, with one moderator at
 * power level 50 in it: where chat commands are given (ADMIN_COMMAND_ROOM) and notices arrive.
 */
import type { TestCommunity } from "../../src/devserver/community.js";
import type { TestHomeserver } from "../../src/devserver/test-homeserver.js";
import { MatrixUserClient } from "../../src/devserver/newcomer.js";

export interface OperatorRoom {
  readonly roomId: string;
  readonly mod: MatrixUserClient;
  /** The bot's first message in the room after `afterEventId` (or at all) that matches. */
  botSays(pattern: RegExp, afterEventId?: string): Promise<string>;
  /** Sends a command as the moderator; resolves with the bot's answer that matches `expected`. */
  ask(command: string, expected: RegExp): Promise<string>;
}

export async function openOperatorRoom(
  hs: TestHomeserver,
  community: TestCommunity,
  localpart: string,
): Promise<OperatorRoom> {
  const user = await hs.registerUser(localpart, { displayName: localpart });
  const mod = new MatrixUserClient(hs.url, user);
  const roomId = await community.botClient.createRoom({
    name: "Operators",
    preset: "private_chat",
    invite: [user.userId],
    power_level_content_override: { users: { [community.bot.userId]: 100, [user.userId]: 50 } },
  });
  await mod.join(roomId);
  const botSays = (pattern: RegExp, afterEventId?: string): Promise<string> =>
    mod.syncUntil(
      () => {
        const timeline = mod.timeline(roomId);
        const from = afterEventId ? timeline.findIndex((ev) => ev.event_id === afterEventId) : -1;
        if (afterEventId && from < 0) return undefined;
        return timeline
          .slice(from + 1)
          .filter((ev) => ev.sender === community.bot.userId && ev.type === "m.room.message")
          .map((ev) => String(ev.content?.body))
          .find((body) => pattern.test(body));
      },
      `the bot to say ${pattern}`,
      30_000,
    );
  return {
    roomId,
    mod,
    botSays,
    ask: async (command, expected) => botSays(expected, await mod.sendText(roomId, command)),
  };
}
