/**
 * The engine's side of pending invites: records every admission anteroom
 * performed, and after each sync (reconcileSpace) welcomes the people who
 * joined, notes a reminder for those who have not answered for a while, and
 * withdraws the invites that expired — or that a moderator takes back — from
 * the space and every room they went to (a kick revokes a pending invite;
 * a room the person already joined is left alone). An action that fails stays
 * due: the next reconcile tries it again. Every change of the book is
 * published as an `invites` event, so front ends follow it live.
 *
 * The reminder goes to the audit log and the console only: the vetting or
 * lobby room is closed by then, and a direct message from a bot the person
 * has not answered would be one more invite to ignore.
 */
import type { CommandResult } from "../api.js";
import type { AuditEntry, Effect } from "../effects.js";
import type { AuditSink, Clock, Log, MatrixPort, Store } from "../ports.js";
import {
  dueInviteActions,
  welcomeMessage,
  type InviteAction,
  type InviteBook,
  type InviteSettings,
  type InviteWithdrawal,
  type PendingInvite,
} from "../admission/invites.js";
import type { EngineEvents } from "./events.js";
import { SerialQueue } from "./serial.js";

export interface InviteDeskDeps {
  readonly matrix: MatrixPort;
  readonly clock: Clock;
  readonly audit: AuditSink;
  readonly events: EngineEvents;
  readonly log: Log;
  readonly store: Store<InviteBook>;
}

const EXPIRED_REASON =
  "your invite expired; ask your inviter for a new code if you still want to join";
const TAKEN_BACK_REASON =
  "a moderator withdrew your invite; ask your inviter for a new code if you still want to join";

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
  /** Reconciles and a moderator's withdrawals, one at a time: never two actions on one invite. */
  private readonly work = new SerialQueue();
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
    this.published();
  }

  /**
   * A moderator takes back the pending invite of `user` now. `{ok: false}` when none is
   * pending, or when the person answered the space invite meanwhile (the next reconcile
   * welcomes or closes it); a homeserver failure rejects, and a later pass finishes it.
   */
  withdraw(user: string, by: string): Promise<CommandResult> {
    return this.work.run(async () => {
      const invite = this.list()[user];
      if (!invite) return { ok: false, error: `no pending invite for ${user}` };
      const withdrawn = await this.withdrawFromRooms(invite, { reason: "moderator", by });
      if (!withdrawn) {
        return {
          ok: false,
          error: `${user} already answered the space invite; nothing to withdraw`,
        };
      }
      return { ok: true };
    });
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
      await this.work.run(async () => {
        const now = this.deps.clock.now();
        for (const action of dueInviteActions(this.list(), membershipOf, now, this.settings)) {
          // A moderator may have withdrawn it while this pass waited its turn.
          if (!this.list()[action.invite.user]) continue;
          try {
            await this.act(action, now, displayNameOf);
          } catch (error) {
            this.deps.log.warn(
              { err: error, user: action.invite.user, action: action.kind },
              "could not act on a pending invite; trying again after the next sync",
            );
          }
        }
      });
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
            user,
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
          return invite ? { ...book, [user]: { ...invite, remindedAt: now } } : book;
        });
        await this.record({
          type: "invite_reminded",
          user,
          waited_sec: waited,
          via: action.invite.via,
        });
        this.published();
        return;
      case "withdraw":
        await this.withdrawFromRooms(action.invite, { reason: "expired" });
        return;
      case "forget":
        await this.forget(user, { type: "invite_closed", user, membership: action.membership });
        return;
    }
  }

  /**
   * Takes the invite back in the space, then in every other room it went to. The
   * withdrawal is written down first, so one cut short (a homeserver failure, a crash)
   * is finished on a later pass. When the homeserver no longer shows the space invite
   * at the start (answered meanwhile) nothing is touched and the invite stays in the
   * book for the next reconcile: false.
   */
  private async withdrawFromRooms(invite: PendingInvite, why: InviteWithdrawal): Promise<boolean> {
    const { user } = invite;
    const resumed = invite.withdrawing ?? why;
    await this.markWithdrawing(user, resumed);
    const text = resumed.reason === "expired" ? EXPIRED_REASON : TAKEN_BACK_REASON;
    const rooms: string[] = [];
    if (await this.deps.matrix.withdrawInvite(this.spaceId, user, text)) rooms.push(this.spaceId);
    else if (!invite.withdrawing) {
      await this.markWithdrawing(user, undefined);
      return false;
    }
    // One at a time, in order: a failure stops here and the rest is done on a later pass.
    for (const room of invite.rooms) {
      if (room === this.spaceId) continue;
      if (await this.deps.matrix.withdrawInvite(room, user, text)) rooms.push(room);
    }
    await this.forget(user, {
      type: "invite_withdrawn",
      user,
      waited_sec: Math.round((this.deps.clock.now() - invite.invitedAt) / 1000),
      reason: resumed.reason,
      rooms,
      via: invite.via,
      ...(resumed.by === undefined ? {} : { by: resumed.by }),
    });
    return true;
  }

  private async markWithdrawing(user: string, why: InviteWithdrawal | undefined): Promise<void> {
    this.deps.store.update((book) => {
      const invite = book[user];
      if (!invite || invite.withdrawing === why) return book;
      const { withdrawing: _old, ...rest } = invite;
      return { ...book, [user]: why ? { ...rest, withdrawing: why } : rest };
    });
    await this.deps.store.flush();
  }

  private async forget(user: string, entry: AuditEntry): Promise<void> {
    this.deps.store.update((book) => {
      const rest = { ...book };
      delete rest[user];
      return rest;
    });
    await this.record(entry);
    this.published();
  }

  /** The book as it now is, to every front end. */
  private published(): void {
    this.deps.events.emit({ type: "invites", invites: Object.values(this.list()) });
  }

  private async record(entry: AuditEntry): Promise<void> {
    const ts = this.deps.clock.now() / 1000;
    await Promise.all([this.deps.store.flush(), this.deps.audit.append({ ts, ...entry })]);
    this.deps.events.emit({ type: "audit", entry: { ts, ...entry } });
  }
}
