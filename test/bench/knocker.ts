/**
 * A simulated newcomer as the knock benchmark drives it: knock, wait for the vetting room's
 * invite on its own /sync, join at once, read the challenge. One long-poll at a time with a
 * tight filter, so that hundreds of waiting newcomers cost the homeserver little.
 */
import type { TestCommunity } from "../harness/community.js";
import type { TestUser } from "../harness/homeserver.js";
import { MatrixUserClient } from "../harness/newcomer.js";
import { errorMessage } from "../harness/wait.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- Matrix JSON is untyped here */

const CHALLENGE = /write a 3-line haiku about: /;

const FILTER = JSON.stringify({
  presence: { not_types: ["*"] },
  account_data: { not_types: ["*"] },
  room: {
    ephemeral: { not_types: ["*"] },
    account_data: { not_types: ["*"] },
    state: { lazy_load_members: true },
    timeline: { limit: 20 },
  },
});

/** Wall-clock milliseconds (Date.now()) of each step of one knock. */
export interface KnockTiming {
  user: string;
  /** Just before the knock request was sent. */
  t0: number;
  /** The knock request was answered. */
  knocked?: number;
  /** The newcomer's /sync first showed the vetting room's invite. */
  invite?: number;
  /** The join request was answered. */
  joined?: number;
  /** The challenge message was in the newcomer's /sync. */
  challenge?: number;
  /** origin_server_ts of the invite event and of the challenge message (the homeserver's clock). */
  inviteTs?: number;
  sentTs?: number;
  roomId?: string;
  error?: string;
}

export class Knocker {
  readonly client: MatrixUserClient;
  private since: string | undefined;

  constructor(
    hsUrl: string,
    user: TestUser,
    private readonly community: TestCommunity,
    private readonly reason: string,
  ) {
    this.client = new MatrixUserClient(hsUrl, user);
  }

  get userId(): string {
    return this.client.userId;
  }

  /** The initial sync: afterwards every /sync is an incremental long-poll. Not timed. */
  async prime(): Promise<void> {
    await this.sync(0);
  }

  /** Sends the knock, filling t0 (just before) and `knocked`. */
  async knock(timing: KnockTiming): Promise<void> {
    timing.t0 = Date.now();
    await this.client.knock(this.community.spaceId, this.reason);
    timing.knocked = Date.now();
  }

  /** Invite → join → challenge readable, filling `timing`; records a failure instead of throwing. */
  async read(timing: KnockTiming, deadline: number): Promise<KnockTiming> {
    try {
      const community = new Set([this.community.spaceId, ...this.community.childIds]);
      const invite = await this.syncUntil(deadline, "the vetting room's invite", (res) => {
        for (const [roomId, room] of Object.entries<any>(res.rooms?.invite ?? {})) {
          if (community.has(roomId)) continue;
          const own = (room?.invite_state?.events ?? []).find(
            (ev: any) => ev?.type === "m.room.member" && ev.state_key === this.userId,
          );
          return { roomId, ts: own?.origin_server_ts as number | undefined };
        }
        return undefined;
      });
      timing.invite = Date.now();
      timing.roomId = invite.roomId;
      timing.inviteTs = invite.ts;
      await this.client.join(invite.roomId);
      timing.joined = Date.now();
      const message = await this.syncUntil(deadline, "the challenge message", (res) =>
        (res.rooms?.join?.[invite.roomId]?.timeline?.events ?? []).find(
          (ev: any) =>
            ev?.type === "m.room.message" &&
            typeof ev.content?.body === "string" &&
            CHALLENGE.test(ev.content.body),
        ),
      );
      timing.challenge = Date.now();
      timing.sentTs = message.origin_server_ts;
    } catch (error) {
      timing.error = errorMessage(error);
    }
    return timing;
  }

  /** Knock, then read: one newcomer from start to finish. */
  async knockAndRead(timeoutMs: number): Promise<KnockTiming> {
    const timing: KnockTiming = { user: this.userId, t0: Date.now() };
    try {
      await this.knock(timing);
    } catch (error) {
      timing.error = errorMessage(error);
      return timing;
    }
    return this.read(timing, Date.now() + timeoutMs);
  }

  private async sync(timeoutMs: number): Promise<any> {
    const res = await this.client.request("GET", "/sync", undefined, {
      query: { filter: FILTER, since: this.since, timeout: timeoutMs },
      timeoutMs: timeoutMs + 30_000,
    });
    this.since = res.next_batch;
    return res;
  }

  private async syncUntil<T>(
    deadline: number,
    what: string,
    find: (res: any) => T | undefined,
  ): Promise<T> {
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what} (as ${this.userId})`);
      const found = find(await this.sync(Math.min(left, 25_000)));
      if (found !== undefined) return found;
    }
  }
}
