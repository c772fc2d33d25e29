/**
 * Whose device lists the Rust crypto follows, kept in memory. A sync that names changed device
 * lists (every newcomer who joins a vetting room is named) is passed on with only the users the
 * crypto follows (quiet-syncs.ts); reading that list from the crypto each time cost a WASM call
 * and a set of user ids per sync (~0.2 ms). The SDK adds users through
 * OlmMachine.updateTrackedUsers (members of encrypted rooms), so the set is the crypto's list as
 * last read plus every user added since. In case another way in is missed, the list is read
 * again once per interval, and a change held back for a user it then names is passed on: at
 * worst, one interval late.
 */

/** The part of matrix-js-sdk's (v43) OlmMachine that says, and changes, whose devices it follows. */
interface TrackingMachine {
  trackedUsers(): Promise<Set<{ toString(): string }>>;
  updateTrackedUsers(users: { toString(): string }[]): Promise<void>;
}

export const TRACKED_USERS_READ_INTERVAL_MS = 60_000;

export class TrackedUsers {
  private known = new Set<string>();
  /** Users added while a read is under way (the read may not name them); undefined between reads. */
  private addedDuringRead: Set<string> | undefined;
  /** Changed users not passed on since the last read: the next read may show them followed. */
  private heldBack = new Set<string>();
  private readAt = Number.NEGATIVE_INFINITY;

  private constructor(
    private readonly machine: TrackingMachine,
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * Follows `machine`'s tracked users from now on (wrapping its updateTrackedUsers); undefined on
   * another SDK shape.
   */
  static follow(
    machine: object | undefined,
    intervalMs = TRACKED_USERS_READ_INTERVAL_MS,
    now: () => number = Date.now,
  ): TrackedUsers | undefined {
    const target = machine as Partial<TrackingMachine> | undefined;
    const update = target?.updateTrackedUsers;
    if (!target || typeof update !== "function" || typeof target.trackedUsers !== "function")
      return undefined;
    const tracked = new TrackedUsers(target as TrackingMachine, intervalMs, now);
    Object.defineProperty(target, "updateTrackedUsers", {
      // Read before the call: the crypto takes the user ids over and frees them.
      value: function (this: unknown, users: { toString(): string }[]) {
        for (const user of users) tracked.added(String(user));
        return Reflect.apply(update, this, [users]) as Promise<void>;
      },
      configurable: true,
      writable: true,
    });
    return tracked;
  }

  /** Of the users a sync names as changed, those the crypto follows, and any held back it now does. */
  async changedAndTracked(changed: readonly string[]): Promise<string[]> {
    const passed = new Set<string>();
    if (this.now() - this.readAt >= this.intervalMs) {
      await this.read();
      for (const user of this.heldBack) if (this.known.has(user)) passed.add(user);
      this.heldBack.clear();
    }
    for (const user of changed)
      if (this.known.has(user)) passed.add(user);
      else this.heldBack.add(user);
    return [...passed];
  }

  private added(user: string): void {
    this.known.add(user);
    this.addedDuringRead?.add(user);
  }

  private async read(): Promise<void> {
    this.readAt = this.now();
    const added = (this.addedDuringRead = new Set());
    try {
      const fresh = new Set([...(await this.machine.trackedUsers())].map(String));
      for (const user of added) fresh.add(user);
      this.known = fresh;
    } finally {
      this.addedDuringRead = undefined;
    }
  }
}
