/** In-memory stand-ins for the engine's ports, for unit tests of core/ (no homeserver). */
import { Engine, type EngineSettings } from "../../core/engine/engine.js";
import type { KnockSeen } from "../../core/engine/inputs.js";
import { HomeserverError, type MatrixPort, type Store } from "../../core/ports.js";
import type { CodeBook } from "../../core/codes/code-book.js";
import type { VettingBook } from "../../core/vetting/record.js";
import type { LobbyBook } from "../../core/lobby/record.js";
import { DEFAULT_HAIKU_RULES } from "../../core/challenge/judge.js";
import type { Screen } from "../../core/moderation/screening.js";
import { systemClock } from "../../src/system-clock.js";

export class MemoryStore<T> implements Store<T> {
  flushes = 0;
  constructor(public value: T) {}
  update(mutate: (draft: T) => T | void): void {
    const result = mutate(this.value);
    if (result !== undefined) this.value = result;
  }
  async flush(): Promise<void> {
    this.flushes++;
  }
}

export interface Call {
  op: string;
  args: unknown[];
}

export class RecordingMatrix implements MatrixPort {
  readonly userId = "@anteroom:example.org";
  readonly calls: Call[] = [];
  private rooms = 0;
  /** Errors to throw, in order, before an op succeeds. */
  failures = new Map<string, Error[]>();

  private record(op: string, ...args: unknown[]): void {
    const queue = this.failures.get(op);
    const failure = queue?.shift();
    this.calls.push({ op, args });
    if (failure) throw failure;
  }
  async createVettingRoom(req: { key: string; user: string }): Promise<string> {
    this.record("createVettingRoom", req.key, req.user);
    return `!vet${++this.rooms}:example.org`;
  }
  async createLobbyRoom(req: { key: string }): Promise<{ roomId: string; alias: string }> {
    this.record("createLobbyRoom", req.key);
    const n = ++this.rooms;
    return { roomId: `!lobby${n}:example.org`, alias: `#anteroom-lobby-${n}:example.org` };
  }
  async invite(roomId: string, user: string): Promise<void> {
    this.record("invite", roomId, user);
  }
  async kick(roomId: string, user: string, reason: string): Promise<void> {
    this.record("kick", roomId, user, reason);
  }
  /** Who the homeserver shows as no longer invited, by `room user`: withdrawing there does nothing. */
  readonly notInvited = new Set<string>();
  async withdrawInvite(roomId: string, user: string, reason: string): Promise<boolean> {
    this.record("withdrawInvite", roomId, user, reason);
    return !this.notInvited.has(`${roomId} ${user}`);
  }
  async sendText(roomId: string, text: string, txnId: string, mention?: string): Promise<void> {
    this.record("sendText", roomId, text, txnId, mention);
  }
  async leaveAndForget(roomId: string): Promise<void> {
    this.record("leaveAndForget", roomId);
  }
  ops(op: string): unknown[][] {
    return this.calls.filter((c) => c.op === op).map((c) => c.args);
  }
}

export const settings: EngineSettings = {
  spaceId: "!space:example.org",
  childIds: ["!child1:example.org", "!child2:example.org"],
  maxTries: 3,
  lifetimeSec: 7200,
  reminderLeadSec: 600,
  knockHoldSec: 86400,
  farewellDelaySec: 10,
  rules: DEFAULT_HAIKU_RULES,
  welcome: { uses: 10, linkBase: "https://chat.example.org" },
  maxInFlight: 4,
  retentionMs: 30 * 86_400_000,
  lobby: { maxTries: 3, lifetimeSec: 7200, challengeDelaySec: 5 },
};

export class World {
  now = 1_700_000_000_000;
  readonly matrix = new RecordingMatrix();
  readonly codes: MemoryStore<CodeBook>;
  readonly vetting = new MemoryStore<VettingBook>({});
  readonly lobbies = new MemoryStore<LobbyBook>({});
  readonly signupCodes = new MemoryStore<CodeBook>({});
  readonly audit: { ts: number; type: string; [k: string]: unknown }[] = [];
  readonly knocks = new Map<string, KnockSeen>();
  readonly memberships = new Map<string, string>();
  /** The blocklist's word on a person; nobody is caught unless a test says so. */
  screen: Screen = () => undefined;
  engine: Engine;

  constructor(codes: CodeBook) {
    this.codes = new MemoryStore(codes);
    this.engine = this.makeEngine();
  }

  /** A new engine over the same stores: what a restart looks like to core. */
  restart(): Engine {
    this.engine = this.makeEngine();
    this.engine.start();
    return this.engine;
  }

  private makeEngine(): Engine {
    return new Engine(
      {
        matrix: this.matrix,
        codes: this.codes,
        signupCodes: this.signupCodes,
        vetting: this.vetting,
        lobbies: this.lobbies,
        audit: { append: async (r) => void this.audit.push(r), read: async () => this.audit },
        clock: { now: () => this.now, wakeAfter: systemClock.wakeAfter },
        log: { info() {}, warn() {}, error() {} },
        random: () => 0.5,
        secureRandom: (bytes) =>
          Uint8Array.from({ length: bytes }, () => Math.floor(Math.random() * 256)),
        screen: (candidate) => this.screen(candidate),
      },
      settings,
    );
  }

  knock(user: string, reason: string, key = `$knock-${user}-${this.knocks.size}`): string {
    this.knocks.set(user, { key, user, reason, ts: this.now });
    this.memberships.set(user, "knock");
    return key;
  }

  async reconcile(): Promise<void> {
    await this.engine.reconcileSpace({
      knocks: [...this.knocks.values()].filter((k) => this.memberships.get(k.user) === "knock"),
      membershipOf: (user) => this.memberships.get(user),
    });
    await this.settle();
  }

  /** Lets every runnable effect finish. */
  async settle(): Promise<void> {
    for (let i = 0; i < 50; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      await this.engine.idle();
    }
  }

  async advance(ms: number): Promise<void> {
    this.now += ms;
    await this.engine.tick();
    await this.settle();
  }

  record(user: string) {
    return Object.values(this.vetting.value).find(
      (r) => r.user === user && r.phase !== "superseded",
    );
  }

  async reply(
    user: string,
    body: string,
    displayName: string | undefined = "Newcomer",
  ): Promise<void> {
    const roomId = this.record(user)?.roomId;
    if (!roomId) throw new Error(`no vetting room for ${user}`);
    await this.engine.onMessage({
      roomId,
      eventId: `$reply-${this.now}-${Math.random()}`,
      sender: user,
      body,
      displayName,
    });
    await this.settle();
  }
}

/** The lobby side of the World: members seen by sync and messages in lobby rooms. */
export class LobbyWorld extends World {
  readonly members = new Map<string, string[]>();

  lobby(key: string) {
    return this.lobbies.value[key];
  }

  /** Sets who is joined to a lobby room and lets the engine reconcile, as after a sync. */
  async seeMembers(roomId: string, users: string[]): Promise<void> {
    this.members.set(roomId, [this.matrix.userId, ...users]);
    await this.engine.reconcileLobbies((room) => this.members.get(room));
    await this.settle();
  }

  async say(roomId: string, sender: string, body: string, eventId?: string): Promise<void> {
    await this.engine.onMessage({
      roomId,
      eventId: eventId ?? `$m-${this.now}-${Math.random()}`,
      sender,
      body,
      displayName: "Newcomer",
    });
    await this.settle();
  }

  /** Texts the bot sent to a room, in order. */
  sent(roomId: string): string[] {
    return this.matrix
      .ops("sendText")
      .filter(([room]) => room === roomId)
      .map(([, text]) => String(text));
  }
}

export function rateLimited(ms: number): HomeserverError {
  return new HomeserverError("Too Many Requests", true, ms, "M_LIMIT_EXCEEDED");
}

export function forbidden(): HomeserverError {
  return new HomeserverError("You are banned from this room", false, undefined, "M_FORBIDDEN");
}
