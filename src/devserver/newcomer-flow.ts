/** A simulated newcomer's side of the vetting flow, as a person (or an agent) would do it. */
import type { TestCommunity } from "./community.js";
import type { TestHomeserver } from "./test-homeserver.js";
import { MatrixUserClient } from "./newcomer.js";

export interface Challenge {
  readonly roomId: string;
  readonly topic: string;
  readonly keyword: string;
  readonly text: string;
}

export class Newcomer {
  private constructor(
    readonly client: MatrixUserClient,
    private readonly community: TestCommunity,
  ) {}

  static async register(
    hs: TestHomeserver,
    community: TestCommunity,
    displayName = "Newcomer",
    opts: { localpart?: string; signal?: AbortSignal } = {},
  ): Promise<Newcomer> {
    const user = await hs.registerUser(opts.localpart, { displayName });
    const client = new MatrixUserClient(hs.url, user, { signal: opts.signal });
    return new Newcomer(client, community);
  }

  get userId(): string {
    return this.client.userId;
  }

  knock(reason?: string): Promise<void> {
    return this.client.knock(this.community.spaceId, reason);
  }

  /** Waits for the vetting room's invite (any invite that is not the space or a child room). */
  async vettingInvite(timeoutMs?: number): Promise<string> {
    const community = new Set([this.community.spaceId, ...this.community.childIds]);
    return this.client.waitForAnyInvite((roomId) => !community.has(roomId), timeoutMs);
  }

  /** Joins the vetting room and reads the challenge the way agents parse it. */
  async readChallenge(timeoutMs?: number): Promise<Challenge> {
    const roomId = await this.vettingInvite(timeoutMs);
    await this.client.join(roomId);
    const event = await this.client.waitForMessage(
      roomId,
      (body) => /write a 3-line haiku about: /.test(body),
      timeoutMs,
    );
    const text: string = event.content.body;
    const topic = /write a 3-line haiku about: (.+)/.exec(text)?.[1];
    const keyword = /include the word "([^"]+)"/.exec(text)?.[1];
    if (!topic || !keyword)
      throw new Error(`the challenge does not keep the reference phrasing: ${text}`);
    return { roomId, topic, keyword, text };
  }

  reply(challenge: Challenge, body: string): Promise<string> {
    return this.client.sendText(challenge.roomId, body);
  }

  /** The next message from the bot after `afterEventId` that matches. */
  botSays(challenge: Challenge, pattern: RegExp, timeoutMs?: number): Promise<string> {
    return this.client
      .waitForMessage(
        challenge.roomId,
        (body, ev) => ev.sender !== this.userId && pattern.test(body),
        timeoutMs,
      )
      .then((ev: { content: { body: string } }) => ev.content.body);
  }
}

export function haikuWith(keyword: string): string {
  return `morning light arrives\nthe ${keyword} waits beside the door\nwe begin again`;
}
