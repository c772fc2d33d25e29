/**
 * User-lifecycle calls from an identity system (created, revoked, promoted,
 * demoted) that arrive while the engine cannot act yet: kept in order and
 * applied once it can. Per user the last word wins, in two strands: where
 * they belong (created / revoked) and their role (promoted / demoted). A
 * newer call of a strand replaces the older one and goes to the back; a
 * revocation also drops a role change queued before it. So "created,
 * promoted, demoted" leaves "created, demoted": invited, at the default level.
 *
 * Pure data in and out; the store keeps it on disk (src/moderation/lifecycle.ts).
 */
import { parseUserId } from "./matrix-ids.js";

export const LIFECYCLE_ACTIONS = ["created", "revoked", "promoted", "demoted"] as const;
export type LifecycleActionName = (typeof LIFECYCLE_ACTIONS)[number];

export type LifecycleCall =
  | { readonly user: string; readonly action: "created" | "revoked" | "demoted" }
  | { readonly user: string; readonly action: "promoted"; readonly role: string };

export interface QueuedLifecycleCall {
  readonly seq: number;
  readonly call: LifecycleCall;
  /** Who sent it (the admin API's actor). */
  readonly by: string;
  /** When it arrived, ms since the epoch. */
  readonly at: number;
}

export interface LifecycleQueue {
  readonly nextSeq: number;
  /** Oldest first: the order they are applied in. */
  readonly items: readonly QueuedLifecycleCall[];
}

export const EMPTY_LIFECYCLE_QUEUE: LifecycleQueue = { nextSeq: 1, items: [] };

const MAX_QUEUED = 10_000;

type Strand = "membership" | "role";

function strandOf(action: LifecycleActionName): Strand {
  return action === "created" || action === "revoked" ? "membership" : "role";
}

/**
 * Adds a call at the back. Returns the new queue and the calls it replaced
 * (to audit as superseded). A queue at its limit refuses a call that would
 * make it longer.
 */
export function enqueueLifecycle(
  queue: LifecycleQueue,
  call: LifecycleCall,
  meta: { by: string; at: number },
):
  | {
      ok: true;
      queue: LifecycleQueue;
      item: QueuedLifecycleCall;
      superseded: QueuedLifecycleCall[];
    }
  | { ok: false; reason: string } {
  const strand = strandOf(call.action);
  const replaced = (item: QueuedLifecycleCall): boolean =>
    item.call.user === call.user &&
    (strandOf(item.call.action) === strand ||
      (call.action === "revoked" && strandOf(item.call.action) === "role"));
  const superseded = queue.items.filter(replaced);
  const kept = queue.items.filter((item) => !replaced(item));
  if (kept.length >= MAX_QUEUED) {
    return { ok: false, reason: `the lifecycle queue holds ${MAX_QUEUED} calls already` };
  }
  const item: QueuedLifecycleCall = { seq: queue.nextSeq, call, by: meta.by, at: meta.at };
  return {
    ok: true,
    queue: { nextSeq: queue.nextSeq + 1, items: [...kept, item] },
    item,
    superseded,
  };
}

/** The call to apply next, if any. */
export function nextLifecycleCall(queue: LifecycleQueue): QueuedLifecycleCall | undefined {
  return queue.items[0];
}

/** Removes a call once applied (or given up); a seq no longer queued changes nothing. */
export function settleLifecycleCall(queue: LifecycleQueue, seq: number): LifecycleQueue {
  if (!queue.items.some((item) => item.seq === seq)) return queue;
  return { nextSeq: queue.nextSeq, items: queue.items.filter((item) => item.seq !== seq) };
}

/** Checks one call from outside (an HTTP body or the file on disk); a string says what is wrong. */
export function checkLifecycleCall(raw: unknown): LifecycleCall | string {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return "a call is an object";
  const { user, action, role, ...rest } = raw as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) return `unknown field ${JSON.stringify(extra[0]?.slice(0, 50))}`;
  if (typeof user !== "string" || !parseUserId(user))
    return "user: not a Matrix user ID (like @alice:example.org)";
  if (typeof action !== "string" || !(LIFECYCLE_ACTIONS as readonly string[]).includes(action))
    return `action: one of ${LIFECYCLE_ACTIONS.join(", ")}`;
  if (action === "promoted") {
    if (typeof role !== "string" || !/^[a-z][a-z0-9_-]{0,31}$/.test(role))
      return "role: a role name such as moderator is needed to promote";
    return { user, action, role };
  }
  if (role !== undefined) return `role: only a promotion takes a role`;
  return { user, action: action as "created" | "revoked" | "demoted" };
}

/** Reads the queue file's JSON; throws an Error naming the first problem. */
export function parseLifecycleQueue(raw: unknown): LifecycleQueue {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new Error("the lifecycle queue is not a JSON object");
  const { nextSeq, items } = raw as Record<string, unknown>;
  if (!Number.isSafeInteger(nextSeq) || (nextSeq as number) < 1)
    throw new Error("nextSeq is not a positive whole number");
  if (!Array.isArray(items)) throw new Error("items is not a list");
  const parsed = items.map((value, index): QueuedLifecycleCall => {
    const item = (value ?? {}) as Record<string, unknown>;
    const call = checkLifecycleCall(item.call);
    if (typeof call === "string") throw new Error(`items[${index}].call: ${call}`);
    if (!Number.isSafeInteger(item.seq) || (item.seq as number) >= (nextSeq as number))
      throw new Error(`items[${index}].seq is not a whole number below nextSeq`);
    if (typeof item.by !== "string" || item.by.length > 255)
      throw new Error(`items[${index}].by is not a name`);
    if (typeof item.at !== "number" || !Number.isFinite(item.at))
      throw new Error(`items[${index}].at is not a time`);
    return { seq: item.seq as number, call, by: item.by, at: item.at };
  });
  return { nextSeq: nextSeq as number, items: parsed };
}
