/**
 * A person with an encryption-capable client, as a moderator using Element would be: a
 * matrix-js-sdk client with its own Rust crypto (its own IndexedDB databases in this process's
 * fake-indexeddb), which decrypts what it receives and encrypts what it sends in encrypted rooms.
 */
import {
  ClientEvent,
  createClient,
  MatrixEventEvent,
  MsgType,
  RoomEvent,
  SyncState,
  type MatrixClient,
  type MatrixEvent,
} from "matrix-js-sdk";
import type { Logger } from "matrix-js-sdk/lib/logger.js";
import type { CryptoCallbacks } from "matrix-js-sdk/lib/crypto-api/index.js";
import { installIndexedDb } from "../../src/matrix/crypto/indexeddb.js";
import type { TestHomeserver, TestUser } from "./homeserver.js";
import type { TestCommunity } from "./community.js";
import { waitFor } from "./wait.js";

export interface SeenMessage {
  readonly eventId: string;
  readonly sender: string;
  readonly body: string;
  /** It came encrypted and this client decrypted it. */
  readonly encrypted: boolean;
}

/** The SDK's own logging, which would drown the test report (its crypto logs every message). */
const quiet: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  getChild: () => quiet,
};

export class CryptoUser {
  private readonly seen = new Map<string, SeenMessage[]>();
  /** The types of the to-device messages this client has taken in, decrypted. */
  readonly toDeviceTypes: string[] = [];

  private constructor(
    readonly user: TestUser,
    readonly client: MatrixClient,
  ) {
    client.on(RoomEvent.Timeline, (event, room) => {
      if (room) void this.record(room.roomId, event);
    });
    client.on(ClientEvent.ReceivedToDeviceMessage, ({ message }) => {
      this.toDeviceTypes.push(message.type);
    });
    // A message whose key came after it is decrypted again later.
    client.on(MatrixEventEvent.Decrypted, (event) => {
      const roomId = event.getRoomId();
      if (roomId) void this.record(roomId, event);
    });
  }

  /** `cryptoCallbacks`: e.g. the secret storage key of a client restoring a key backup. */
  static async start(
    hs: TestHomeserver,
    user: TestUser,
    cryptoCallbacks?: CryptoCallbacks,
  ): Promise<CryptoUser> {
    await installIndexedDb();
    const client = createClient({
      logger: quiet,
      ...(cryptoCallbacks ? { cryptoCallbacks } : {}),
      baseUrl: hs.url,
      accessToken: user.accessToken,
      userId: user.userId,
      deviceId: user.deviceId,
    });
    await client.initRustCrypto({ cryptoDatabasePrefix: `test-${user.localpart}` });
    const person = new CryptoUser(user, client);
    const prepared = new Promise<void>((resolve) => {
      const onSync = (state: SyncState) => {
        if (state !== SyncState.Prepared) return;
        client.off(ClientEvent.Sync, onSync);
        resolve();
      };
      client.on(ClientEvent.Sync, onSync);
    });
    await client.startClient({ initialSyncLimit: 10 });
    await prepared;
    return person;
  }

  /**
   * Sets up cross-signing and signs this device with it, as Element does at a first login;
   * `reset` makes a new identity, as a reset of cross-signing (or an impostor) would.
   */
  async crossSign(reset = false): Promise<void> {
    const crypto = this.client.getCrypto();
    if (!crypto) throw new Error("the client has no crypto");
    await crypto.bootstrapCrossSigning({
      setupNewCrossSigning: reset,
      authUploadDeviceSigningKeys: async (makeRequest) => {
        await makeRequest({
          type: "m.login.password",
          identifier: { type: "m.id.user", user: this.user.userId },
          password: this.user.password,
        });
      },
    });
  }

  async join(roomId: string): Promise<void> {
    await this.client.joinRoom(roomId);
    await waitFor(() => this.client.getRoom(roomId)?.getMyMembership() === "join", {
      what: `${this.user.userId} to see itself joined to ${roomId}`,
    });
  }

  /** Sends a text message (encrypted when the room is); resolves with its event id. */
  async send(roomId: string, body: string): Promise<string> {
    const { event_id } = await this.client.sendMessage(roomId, { msgtype: MsgType.Text, body });
    return event_id;
  }

  /** How many messages of `roomId` this client has read so far (for waitForMessage's `after`). */
  mark(roomId: string): number {
    return this.seen.get(roomId)?.length ?? 0;
  }

  /** Waits for a message from `sender` that matches `body`, among those read after `after`. */
  async waitForMessage(
    roomId: string,
    sender: string,
    body: RegExp,
    timeoutMs = 30_000,
    after = 0,
  ): Promise<SeenMessage> {
    return waitFor(
      () =>
        this.seen
          .get(roomId)
          ?.slice(after)
          .find((m) => m.sender === sender && body.test(m.body)),
      { what: `a message from ${sender} matching ${String(body)} in ${roomId}`, timeoutMs },
    );
  }

  stop(): void {
    this.client.stopClient();
  }

  private async record(roomId: string, event: MatrixEvent): Promise<void> {
    await this.client.decryptEventIfNeeded(event);
    // A failure reads as an m.room.message ("** Unable to decrypt **"): not yet what was said. The
    // SDK tries again when the key comes (from a history bundle, say) and emits Decrypted then.
    if (event.isDecryptionFailure() || event.getType() !== "m.room.message") return;
    const body: unknown = event.getContent().body;
    const eventId = event.getId();
    const sender = event.getSender();
    if (typeof body !== "string" || !eventId || !sender) return;
    const list = this.seen.get(roomId) ?? [];
    if (list.some((m) => m.eventId === eventId)) return;
    list.push({ eventId, sender, body, encrypted: event.isEncrypted() });
    this.seen.set(roomId, list);
  }
}

/** The state event that turns a room's encryption on (megolm), as clients send it. */
export const ENCRYPTION_STATE = {
  type: "m.room.encryption",
  state_key: "",
  content: { algorithm: "m.megolm.v1.aes-sha2" },
} as const;

/** An encrypted, invite-only room the bot makes, with `moderators` invited at power level 50. */
export function createEncryptedModeratorsRoom(
  community: Pick<TestCommunity, "bot" | "botClient">,
  name: string,
  moderators: readonly string[],
): Promise<string> {
  return community.botClient.createRoom({
    name,
    preset: "private_chat",
    invite: [...moderators],
    initial_state: [ENCRYPTION_STATE],
    power_level_content_override: {
      users: {
        [community.bot.userId]: 100,
        ...Object.fromEntries(moderators.map((user) => [user, 50])),
      },
    },
  });
}
