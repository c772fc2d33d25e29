/**
 * User-lifecycle hooks for identity systems: created → invited to (or, on
 * Synapse with LIFECYCLE_JOIN=force, joined into) the space and its rooms;
 * revoked → removed from them (or the account deactivated with
 * LIFECYCLE_REVOKE=deactivate); promoted / demoted → the role service.
 *
 * A call that arrives before the engine is ready (first sync not processed,
 * homeserver down), or while older calls still wait, is queued on disk
 * (core/moderation/lifecycle-queue.ts keeps order and the last word per user) and
 * applied in order once ready. A call that fails for a transient reason goes
 * back to wait; one the homeserver refuses for good is audited and dropped.
 */
import type { AuditSink, Log } from "../../core/ports.js";
import { parseUserId } from "../../core/moderation/matrix-ids.js";
import {
  EMPTY_LIFECYCLE_QUEUE,
  enqueueLifecycle,
  nextLifecycleCall,
  parseLifecycleQueue,
  settleLifecycleCall,
  type LifecycleCall,
  type LifecycleQueue,
  type QueuedLifecycleCall,
} from "../../core/moderation/lifecycle-queue.js";
import { JsonStore } from "../store/json-store.js";
import type { WriteRetry } from "../store/write-faults.js";
import type { RoomOutcome } from "../matrix/moderation-port.js";
import { toHomeserverError } from "../matrix/errors.js";
import type { SynapseUserAdmin } from "../matrix/synapse-user-admin.js";
import { roleChangeComplete, type RoleChangeResult, type RoleService } from "./roles.js";

export type LifecycleJoin = "invite" | "force";
export type LifecycleRevoke = "kick" | "deactivate";

export interface LifecycleDeps {
  readonly store: JsonStore<LifecycleQueue>;
  readonly roles: RoleService;
  /** Invite and kick, room by room ("already so" counts as done). */
  readonly members: {
    invite(roomId: string, user: string): Promise<void>;
    kick(rooms: readonly string[], user: string, reason: string): Promise<RoomOutcome[]>;
  };
  /** The space first, then its child rooms. */
  readonly rooms: readonly string[];
  /** The bot's user ID: local users share its server. */
  readonly botUserId: string;
  readonly isReady: () => boolean;
  readonly join: LifecycleJoin;
  readonly revoke: LifecycleRevoke;
  /** Needed for join=force and revoke=deactivate. */
  readonly synapse?: SynapseUserAdmin;
  readonly audit: Pick<AuditSink, "append">;
  readonly log: Log;
  readonly now: () => number;
}

/** Per room, or for the account: done, or the reason it was not. */
export interface LifecycleStep {
  readonly target: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly transient?: boolean;
}

export type LifecycleOutcome =
  | {
      readonly action: "created" | "revoked";
      readonly user: string;
      readonly via: string;
      readonly steps: readonly LifecycleStep[];
    }
  | {
      readonly action: "promoted" | "demoted";
      readonly user: string;
      readonly roles: RoleChangeResult;
    };

export type SubmitResult =
  | { readonly queued: true; readonly seq: number }
  | { readonly queued: false; readonly outcome: LifecycleOutcome };

export function openLifecycleQueue(
  path: string,
  retry?: WriteRetry,
): Promise<JsonStore<LifecycleQueue>> {
  return JsonStore.open({
    path,
    parse: parseLifecycleQueue,
    empty: () => EMPTY_LIFECYCLE_QUEUE,
    retry,
  });
}

export class Lifecycle {
  private draining: Promise<void> | undefined;

  constructor(private readonly deps: LifecycleDeps) {}

  roleNames(): string[] {
    return this.deps.roles.roles.map((role) => role.name);
  }

  /** What waits, oldest first. */
  queued(): readonly QueuedLifecycleCall[] {
    return this.deps.store.value.items;
  }

  get pending(): number {
    return this.deps.store.value.items.length;
  }

  /** Applies at once when ready and nothing waits; otherwise queues durably and answers queued. */
  async submit(call: LifecycleCall, by: string): Promise<SubmitResult> {
    if (this.deps.isReady() && this.pending === 0 && !this.draining) {
      const outcome = await this.apply(call, by);
      if (!isTransientFailure(outcome)) {
        await this.record(call, by, outcome);
        return { queued: false, outcome };
      }
    }
    const item = await this.enqueue(call, by);
    this.drainSoon();
    return { queued: true, seq: item.seq };
  }

  /** Applies what waits, in order, while the engine is ready. Called on each tick. */
  drainSoon(): void {
    if (this.draining || !this.deps.isReady() || this.pending === 0) return;
    this.draining = this.drain()
      .catch((error: unknown) =>
        this.deps.log.error({ err: error }, "applying queued lifecycle calls failed"),
      )
      .finally(() => {
        this.draining = undefined;
      });
  }

  /** Resolves once a drain in progress (if any) ends: for a clean stop. */
  async idle(): Promise<void> {
    await this.draining;
  }

  private async drain(): Promise<void> {
    for (let next = nextLifecycleCall(this.deps.store.value); next;) {
      if (!this.deps.isReady()) return;
      const outcome = await this.apply(next.call, next.by);
      // Transient: it stays first in line, and the next tick tries again.
      if (isTransientFailure(outcome)) return;
      await this.record(next.call, next.by, outcome, next);
      const seq = next.seq;
      this.deps.store.update((queue) => settleLifecycleCall(queue, seq));
      await this.deps.store.flush();
      next = nextLifecycleCall(this.deps.store.value);
    }
  }

  private async enqueue(call: LifecycleCall, by: string): Promise<QueuedLifecycleCall> {
    const result = enqueueLifecycle(this.deps.store.value, call, { by, at: this.deps.now() });
    if (!result.ok) throw new Error(result.reason);
    this.deps.store.update(() => result.queue);
    await this.deps.store.flush();
    await this.deps.audit.append({
      ts: this.deps.now() / 1000,
      type: "lifecycle_queued",
      user: call.user,
      action: call.action,
      by,
      ...(call.action === "promoted" ? { role: call.role } : {}),
      ...(result.superseded.length > 0
        ? { superseded: result.superseded.map((item) => item.call.action) }
        : {}),
    });
    return result.item;
  }

  private async apply(call: LifecycleCall, by: string): Promise<LifecycleOutcome> {
    const { user } = call;
    switch (call.action) {
      case "promoted":
        return {
          action: call.action,
          user,
          roles: await this.deps.roles.promote(user, call.role, by, { via: "lifecycle" }),
        };
      case "demoted":
        return {
          action: call.action,
          user,
          roles: await this.deps.roles.demote(user, by, { via: "lifecycle" }),
        };
      case "created":
        return this.admit(user);
      case "revoked":
        return this.remove(user);
    }
  }

  private async admit(user: string): Promise<LifecycleOutcome> {
    const force = this.deps.join === "force" && this.isLocal(user) && this.deps.synapse;
    const steps: LifecycleStep[] = [];
    // In order: a child room restricted to space members needs the space first.
    for (const roomId of this.deps.rooms) {
      steps.push(
        await step(roomId, () =>
          force ? force.forceJoin(roomId, user) : this.deps.members.invite(roomId, user),
        ),
      );
    }
    return { action: "created", user, via: force ? "join" : "invite", steps };
  }

  private async remove(user: string): Promise<LifecycleOutcome> {
    if (user === this.deps.botUserId) {
      return {
        action: "revoked",
        user,
        via: "kick",
        steps: [{ target: user, ok: false, error: "anteroom does not remove itself" }],
      };
    }
    const synapse = this.deps.synapse;
    if (this.deps.revoke === "deactivate" && synapse && this.isLocal(user)) {
      return {
        action: "revoked",
        user,
        via: "deactivate",
        steps: [await step(user, () => synapse.deactivate(user))],
      };
    }
    const outcomes = await this.deps.members.kick(
      this.deps.rooms,
      user,
      "account revoked by the identity system",
    );
    return {
      action: "revoked",
      user,
      via: "kick",
      steps: outcomes.map((o) =>
        o.ok
          ? { target: o.roomId, ok: true }
          : { target: o.roomId, ok: false, error: o.error.message, transient: o.error.transient },
      ),
    };
  }

  private isLocal(user: string): boolean {
    const server = parseUserId(this.deps.botUserId)?.server;
    return server !== undefined && parseUserId(user)?.server === server;
  }

  private async record(
    call: LifecycleCall,
    by: string,
    outcome: LifecycleOutcome,
    queued?: QueuedLifecycleCall,
  ): Promise<void> {
    // Role changes audit themselves (role_changed); this records the call and how it ended.
    await this.deps.audit.append({
      ts: this.deps.now() / 1000,
      type: "lifecycle_applied",
      user: call.user,
      action: call.action,
      by,
      ok: lifecycleSucceeded(outcome),
      ...(call.action === "promoted" ? { role: call.role } : {}),
      ...("via" in outcome ? { via: outcome.via } : {}),
      ...(queued ? { queued_at: queued.at / 1000 } : {}),
    });
  }
}

/** Whether every room (or the account) ended as asked. */
export function lifecycleSucceeded(outcome: LifecycleOutcome): boolean {
  return "roles" in outcome ? roleChangeComplete(outcome.roles) : outcome.steps.every((s) => s.ok);
}

function isTransientFailure(outcome: LifecycleOutcome): boolean {
  if ("roles" in outcome) {
    return (
      outcome.roles.ok && outcome.roles.rooms.some((r) => r.outcome === "failed" && r.transient)
    );
  }
  return outcome.steps.some((s) => !s.ok && s.transient === true);
}

async function step(target: string, act: () => Promise<void>): Promise<LifecycleStep> {
  try {
    await act();
    return { target, ok: true };
  } catch (error) {
    const failure = toHomeserverError(error);
    return { target, ok: false, error: failure.message, transient: failure.transient };
  }
}
