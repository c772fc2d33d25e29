// A community to gate: a knockable space with child rooms, owned by a bot admin.

import { randomBytes } from "node:crypto";
import { initCommunity } from "../init/init.js";
import type { TestHomeserver, TestUser } from "./test-homeserver.js";
import { MatrixUserClient } from "./newcomer.js";

export interface TestCommunity {
  bot: TestUser;
  botClient: MatrixUserClient;
  spaceId: string;
  childIds: string[];
}

/** The settings that run anteroom as `community`'s bot on the homeserver at `homeserverUrl`. */
export function communitySettings(
  homeserverUrl: string,
  community: Pick<TestCommunity, "bot" | "spaceId" | "childIds">,
  dataDir: string,
): Record<string, string> {
  return {
    HS: homeserverUrl,
    MATRIX_TOKEN: community.bot.accessToken,
    SPACE_ID: community.spaceId,
    SPACE_CHILD_IDS: community.childIds.join(","),
    DATA_DIR: dataDir,
  };
}

export async function createCommunity(
  hs: TestHomeserver,
  opts: { children?: number; botLocalpart?: string; spaceName?: string; roomName?: string } = {},
): Promise<TestCommunity> {
  const bot = await hs.registerUser(opts.botLocalpart, { admin: true, displayName: "Anteroom" });
  const botClient = new MatrixUserClient(hs.url, bot);
  const via = [hs.serverName];

  const childIds = await Promise.all(
    Array.from({ length: opts.children ?? 2 }, (_, i) =>
      botClient.createRoom({
        name: `${opts.roomName ?? "Test Room"} ${i + 1}`,
        room_version: "11",
        preset: "private_chat", // join rule invite
      }),
    ),
  );

  // The creator (the bot) gets power level 100 by default.
  const spaceId = await botClient.createRoom({
    name: opts.spaceName ?? "Test Space",
    room_version: "11",
    preset: "private_chat",
    creation_content: { type: "m.space" },
    initial_state: [
      { type: "m.room.join_rules", state_key: "", content: { join_rule: "knock" } },
      ...childIds.map((id) => ({ type: "m.space.child", state_key: id, content: { via } })),
    ],
  });

  await Promise.all(
    childIds.map((id) =>
      botClient.sendState(id, "m.space.parent", spaceId, { via, canonical: true }),
    ),
  );

  return { bot, botClient, spaceId, childIds };
}

/**
 * The community as an operator gets it: `anteroom init` registers the bot with the
 * homeserver's registration token (its session kept in `dataDir`) and makes the space
 * (`#<spaceAlias>`) and its rooms. Unlike createCommunity, the rooms are restricted to the
 * space's members rather than invite-only.
 */
export async function initTestCommunity(
  hs: TestHomeserver,
  opts: {
    dataDir: string;
    botLocalpart: string;
    spaceAlias: string;
    spaceName: string;
    rooms: { alias: string; name: string }[];
    report?: (line: string) => void;
  },
): Promise<TestCommunity> {
  const password = randomBytes(18).toString("base64url");
  const outcome = await initCommunity(
    {
      homeserverUrl: hs.url,
      credentials: {
        kind: "registration-token",
        username: opts.botLocalpart,
        password,
        registrationToken: hs.registrationToken,
      },
      dataDir: opts.dataDir,
      community: {
        spaceAlias: opts.spaceAlias,
        spaceName: opts.spaceName,
        rooms: opts.rooms,
        admins: [],
        encrypted: false,
      },
    },
    opts.report,
  );
  const bot: TestUser = {
    userId: outcome.bot.userId,
    accessToken: outcome.bot.accessToken,
    deviceId: outcome.bot.deviceId,
    password,
    localpart: opts.botLocalpart,
  };
  return {
    bot,
    botClient: new MatrixUserClient(hs.url, bot),
    spaceId: outcome.community.space.roomId,
    childIds: outcome.community.rooms.map((room) => room.roomId),
  };
}
