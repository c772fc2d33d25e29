/**
 * The engine's side of pending invites: records every admission anteroom
 * performed, and after each sync (reconcileSpace) welcomes the people who
 * joined, notes a reminder for those who have not answered for a while, and
 * withdraws the invites that expired (a kick from the rooms they were invited
 * to revokes a pending invite). An action that fails stays due: the next
 * reconcile tries it again.
 *
 * The reminder goes to the audit log and the console only: the vetting or
 * lobby room is closed by then, and a direct message from a bot the person
 * has not answered would be one more invite to ignore.
 */
import type { AuditEntry, Effect } from "../effects.js";
import type { AuditSink, Clock, Log, MatrixPort, Store } from "../ports.js";
import {
  dueInviteActions,
  welcomeMessage,
  type InviteAction,
  type InviteBook,
  type InviteSettings,
} from "../invites.js";
import type { EngineEvents } from "./events.js";

export interface InviteDeskDeps {
  readonly matrix: MatrixPort;
  readonly clock: Clock;
  readonly audit: AuditSink;
  readonly events: EngineEvents;
  readonly log: Log;
  readonly store: Store<InviteBook>;
}

const WITHDRAW_REASON =
  "your invite expired; ask your inviter for a new code if you still want to join";

/** The book in memory only, for an engine given no store. */
export function memoryInviteBook(): Store<InviteBook> {
  let value: InviteBook = {};
  return {
    get value() {
      return value;
    },
    update(mutate) {
      value = mutate(value) ?? value;
    },
    flush: () => Promise.resolve(),
  };
}

export class InviteDesk {
  /** A reconcile under way: the next one waits for the next sync (it is level-triggered). */
  private busy = false;
  private seen:
    | {
        membershipOf: (user: string) => string | undefined;
        displayNameOf: (user: string) => string | undefined;
      }
    | undefined;

  constructor(
    private readonly deps: InviteDeskDeps,
    private readonly settings: InviteSettings,
    private readonly spaceId: string,
  ) {}

  list(): InviteBook {
    return this.deps.store.value;
  }

  /** After an effect of a `via` record ran: an admission's invites are now pending. */
  async afterEffect(via: string, effect: Effect, rooms: readonly string[]): Promise<void> {
    if (effect.kind === "admitToCommunity") await this.invited(effect.user, rooms, via);
  }

  /** The invites of an admission went out (every room of it). */
  async invited(user: string, rooms: readonly string[], via: string): Promise<void> {
    const invitedAt = this.deps.clock.now();
    this.deps.store.update((book) => ({ ...book, [user]: { user, invitedAt, rooms, via } }));
    await this.deps.store.flush();
  }

  /**
   * Between syncs (the engine's timer): the same check against the space as last seen.
   * The lookups read the client's live room state, so they stay current.
   */
  recheck(): Promise<void> {
    return this.seen
      ? this.reconcile(this.seen.membershipOf, this.seen.displayNameOf)
      : Promise.resolve();
  }

  /** After a sync: what is due for each invite, given who the space shows in which state. */
  async reconcile(
    membershipOf: (user: string) => string | undefined,
    displayNameOf: (user: string) => string | undefined,
  ): Promise<void> {
    this.seen = { membershipOf, displayNameOf };
    if (this.busy || Object.keys(this.list()).length === 0) return;
    this.busy = true;
    try {
      const now = this.deps.clock.now();
      for (const action of dueInviteActions(this.list(), membershipOf, now, this.settings)) {
        try {
          await this.act(action, now, displayNameOf);
        } catch (error) {
          this.deps.log.warn(
            { err: error, user: action.invite.user, action: action.kind },
            "could not act on a pending invite; trying again after the next sync",
          );
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private async act(
    action: InviteAction,
    now: number,
    displayNameOf: (user: string) => string | undefined,
  ): Promise<void> {
    const { user, invitedAt } = action.invite;
    const waited = Math.round((now - invitedAt) / 1000);
    switch (action.kind) {
      case "welcome": {
        const room = this.settings.welcomeRoom;
        const text = this.settings.welcomeText.trim();
        if (room && text) {
          // The txn id makes a repeat after a crash a no-op on the homeserver.
          await this.deps.matrix.sendText(
            room,
            welcomeMessage(user, displayNameOf(user), text),
            `anteroom.welcome.${invitedAt}.${user}`,
          );
          await this.forget(user, { type: "welcomed", user, room_id: room, waited_sec: waited });
        } else {
          await this.forget(user, { type: "invite_accepted", user, waited_sec: waited });
        }
        return;
      }
      case "remind":
        this.deps.store.update((book) => {
          const invite = book[user];
          if (invite) invite.remindedAt = now;
        });
        await this.record({
          type: "invite_reminded",
          user,
          waited_sec: waited,
          via: action.invite.via,
        });
        return;
      case "withdraw":
        // The space only: the child rooms' memberships are not in view, and someone who joined one must not be kicked from it.
        await this.deps.matrix.kick(this.spaceId, user, WITHDRAW_REASON);
        await this.forget(user, {
          type: "invite_withdrawn",
          user,
          waited_sec: waited,
          reason: "expired",
        });
        return;
      case "forget":
        await this.forget(user, { type: "invite_closed", user, membership: action.membership });
        return;
    }
  }

  private async forget(user: string, entry: AuditEntry): Promise<void> {
    this.deps.store.update((book) => {
      const rest = { ...book };
      delete rest[user];
      return rest;
    });
    await this.record(entry);
  }

  private async record(entry: AuditEntry): Promise<void> {
    const ts = this.deps.clock.now() / 1000;
    await Promise.all([this.deps.store.flush(), this.deps.audit.append({ ts, ...entry })]);
    this.deps.events.emit({ type: "audit", entry: { ts, ...entry } });
  }
}
