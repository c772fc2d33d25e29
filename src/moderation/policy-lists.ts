/**
 * Subscriptions to Matrix policy lists (POLICY_LISTS): the bot joins each
 * list room, reads its rules, and follows them live from its own sync (the
 * rooms' state events). A list that cannot be joined or read is logged and
 * shown in `status()`, and tried again later; the others work meanwhile.
 */
import { RoomStateEvent, type MatrixClient, type MatrixEvent } from "matrix-js-sdk";
import {
  applyPolicyEvent,
  dropPolicyList,
  isPolicyRuleType,
  POLICY_RULE_EVENT_TYPES,
  replacePolicyList,
  type PolicyRules,
  type PolicyStateEvent,
} from "../../core/moderation/policy-rules.js";
import type { Log } from "../../core/ports.js";
import type { SdkModerationPort } from "../matrix/moderation-port.js";

export interface PolicyListStatus {
  /** As configured: a room id or an alias. */
  readonly list: string;
  readonly roomId?: string;
  readonly joined: boolean;
  readonly rules: number;
  /** Why the list is not followed (yet). */
  readonly error?: string;
}

export interface PolicyListDeps {
  readonly client: MatrixClient;
  readonly port: Pick<SdkModerationPort, "joinPolicyRoom" | "readPolicyRules">;
  readonly log: Log;
  readonly rules: { get(): PolicyRules; set(rules: PolicyRules): void };
}

const RETRY_MS = 60_000;

export class PolicyLists {
  private readonly byRoom = new Map<string, string>();
  private readonly errors = new Map<string, string>();
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly lists: readonly string[],
    private readonly deps: PolicyListDeps,
  ) {}

  /** Starts following live state at once; joins and first reads run in the background. */
  start(): void {
    if (this.lists.length === 0) return;
    this.deps.client.on(RoomStateEvent.Events, this.onState);
    void this.subscribeAll();
    this.retry = setInterval(() => void this.subscribeAll(), RETRY_MS);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.retry);
    this.deps.client.off(RoomStateEvent.Events, this.onState);
  }

  status(): PolicyListStatus[] {
    const rules = [...this.deps.rules.get().values()];
    return this.lists.map((list) => {
      const roomId = [...this.byRoom].find(([, name]) => name === list)?.[0];
      const error = this.errors.get(list);
      return {
        list,
        ...(roomId ? { roomId } : {}),
        joined: roomId !== undefined,
        rules: roomId ? rules.filter((rule) => rule.listId === roomId).length : 0,
        ...(error ? { error } : {}),
      };
    });
  }

  private async subscribeAll(): Promise<void> {
    const pending = this.lists.filter((list) => ![...this.byRoom.values()].includes(list));
    await Promise.all(pending.map((list) => this.subscribe(list)));
  }

  private async subscribe(list: string): Promise<void> {
    try {
      const roomId = await this.deps.port.joinPolicyRoom(list, viaOf(list));
      const state = await this.deps.port.readPolicyRules(roomId);
      if (this.stopped) return;
      let rules = replacePolicyList(this.deps.rules.get(), roomId, state);
      // Sync may already hold newer events than the read: they win.
      const synced = this.deps.client.getRoom(roomId)?.currentState;
      for (const type of POLICY_RULE_EVENT_TYPES) {
        for (const event of synced?.getStateEvents(type) ?? []) {
          rules = applyPolicyEvent(rules, roomId, asState(event));
        }
      }
      this.byRoom.set(roomId, list);
      this.errors.delete(list);
      this.deps.rules.set(rules);
      const count = [...rules.values()].filter((rule) => rule.listId === roomId).length;
      this.deps.log.info({ list, roomId, rules: count }, "following a policy list");
    } catch (error) {
      const message = (error as Error).message;
      if (this.errors.get(list) !== message) {
        this.deps.log.error(
          { list, error: message },
          "cannot follow a policy list (joining or reading it failed); trying again every minute",
        );
      }
      this.errors.set(list, message);
    }
  }

  private readonly onState = (event: MatrixEvent): void => {
    const roomId = event.getRoomId();
    const list = roomId === undefined ? undefined : this.byRoom.get(roomId);
    if (!roomId || list === undefined) return;
    if (
      event.getType() === "m.room.member" &&
      event.getStateKey() === this.deps.client.getUserId()
    ) {
      const membership: unknown = event.getContent().membership;
      if (membership === "join") return;
      // Removed from the list: its rules no longer speak for anyone; joining is tried again.
      this.byRoom.delete(roomId);
      this.errors.set(list, `the bot's membership in the list became ${String(membership)}`);
      this.deps.rules.set(dropPolicyList(this.deps.rules.get(), roomId));
      this.deps.log.warn({ list, roomId }, "the bot left or was removed from a policy list");
      return;
    }
    if (!isPolicyRuleType(event.getType())) return;
    this.deps.rules.set(applyPolicyEvent(this.deps.rules.get(), roomId, asState(event)));
  };
}

function asState(event: MatrixEvent): PolicyStateEvent {
  return { type: event.getType(), state_key: event.getStateKey(), content: event.getContent() };
}

/** The server in an alias or an old-style room id can let us in over federation (v12 ids name none). */
function viaOf(list: string): string[] {
  const colon = list.indexOf(":");
  return colon > 0 && colon < list.length - 1 ? [list.slice(colon + 1)] : [];
}
