/** What the shell tells the engine after a sync: the knocks pending on the space, a message in a room. */

/** A pending knock as the space's state shows it. */
export interface KnockSeen {
  readonly key: string; // the membership event id
  readonly user: string;
  readonly reason: string;
  readonly displayName?: string;
  readonly ts: number;
}

export interface SpaceSnapshot {
  readonly knocks: readonly KnockSeen[];
  membershipOf(user: string): string | undefined;
  displayNameOf?(user: string): string | undefined;
}

export interface RoomMessage {
  readonly roomId: string;
  readonly eventId: string;
  readonly sender: string;
  readonly body: string;
  readonly displayName: string | undefined;
  /** When it was sent (ms, the homeserver's timestamp); a carried-over room does not judge what came before the switch. */
  readonly sentAt?: number;
}
