/** People a test puts into its community's rooms directly, without knocking. */
import { createCommunity, type TestCommunity } from "./community.js";
import { startHomeserver, type TestHomeserver } from "./homeserver.js";
import { MatrixUserClient } from "./newcomer.js";

/**
 * Registers `localpart` and has the bot invite them into each of `rooms`, which they join:
 * a plain member of every room, e.g. to read the rooms' state as anyone could.
 */
export async function memberOfAll(
  hs: TestHomeserver,
  community: TestCommunity,
  rooms: readonly string[],
  localpart: string,
  displayName = localpart,
): Promise<MatrixUserClient> {
  const user = await hs.registerUser(localpart, { displayName });
  const client = new MatrixUserClient(hs.url, user);
  for (const roomId of rooms) {
    await community.botClient.invite(roomId, user.userId);
    await client.join(roomId);
  }
  return client;
}

/** A homeserver, a space and its child rooms, and "reader": a plain member of every one. */
export interface CommunityWithReader {
  readonly hs: TestHomeserver;
  readonly community: TestCommunity;
  /** The space, then its child rooms. */
  readonly rooms: string[];
  readonly reader: MatrixUserClient;
}

/** Starts a homeserver with a community of `children` child rooms and a reader in all of them. */
export async function startCommunityWithReader(children = 2): Promise<CommunityWithReader> {
  const hs = await startHomeserver();
  try {
    const community = await createCommunity(hs, { children });
    const rooms = [community.spaceId, ...community.childIds];
    const reader = await memberOfAll(hs, community, rooms, "reader");
    return { hs, community, rooms, reader };
  } catch (error) {
    await hs.stop();
    throw error;
  }
}

/** `user`'s entry in each room's power levels as `reader` sees them (undefined: no entry). */
export function powerLevelsSeenBy(
  reader: MatrixUserClient,
  rooms: readonly string[],
  user: string,
): Promise<(number | undefined)[]> {
  return Promise.all(
    rooms.map(async (roomId) => {
      const content = await reader.getState(roomId, "m.room.power_levels");
      return content?.users?.[user] as number | undefined;
    }),
  );
}
