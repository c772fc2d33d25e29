import { test } from "node:test";
import assert from "node:assert/strict";
import { TrackedUsers } from "../../src/matrix/crypto/tracked-users.js";

/** A user id as the crypto's bindings give it: freed once handed to the crypto. */
class UserId {
  constructor(private id: string | undefined) {}
  free(): void {
    this.id = undefined;
  }
  toString(): string {
    if (this.id === undefined) throw new Error("null pointer passed to rust");
    return this.id;
  }
}

/** The OlmMachine's shape: a list of followed users, read by a WASM call that is counted. */
class FakeMachine {
  readonly followed = new Set<string>(["@bot:hs"]);
  reads = 0;
  trackedUsers(): Promise<Set<UserId>> {
    this.reads++;
    return Promise.resolve(new Set([...this.followed].map((user) => new UserId(user))));
  }
  updateTrackedUsers(users: UserId[]): Promise<void> {
    for (const user of users) {
      this.followed.add(user.toString());
      user.free();
    }
    return Promise.resolve();
  }
}

test("the users a sync names are sorted from memory: the crypto's list is read once per interval, and the members it was told to follow since pass", async () => {
  const machine = new FakeMachine();
  let clock = 0;
  const tracked = TrackedUsers.follow(machine, 60_000, () => clock);
  assert.ok(tracked);

  assert.deepEqual(await tracked.changedAndTracked(["@bot:hs", "@newcomer1:hs"]), ["@bot:hs"]);
  // A moderator joins an encrypted room: the SDK tells the crypto to follow them.
  await machine.updateTrackedUsers([new UserId("@mod:hs")]);
  assert.deepEqual(await tracked.changedAndTracked(["@newcomer2:hs", "@mod:hs"]), ["@mod:hs"]);
  clock = 59_000;
  assert.deepEqual(await tracked.changedAndTracked(["@newcomer3:hs"]), []);

  assert.equal(machine.reads, 1);
  assert.deepEqual([...machine.followed], ["@bot:hs", "@mod:hs"]);
});

test("a change held back for a user the crypto came to follow some other way is passed on after the next read, at most one interval late", async () => {
  const machine = new FakeMachine();
  let clock = 0;
  const tracked = TrackedUsers.follow(machine, 60_000, () => clock);
  assert.ok(tracked);

  assert.deepEqual(await tracked.changedAndTracked(["@bot:hs"]), ["@bot:hs"]);
  machine.followed.add("@other:hs"); // not through updateTrackedUsers
  assert.deepEqual(await tracked.changedAndTracked(["@other:hs", "@newcomer:hs"]), []);
  clock = 60_000;
  assert.deepEqual(await tracked.changedAndTracked([]), ["@other:hs"]);
  clock = 61_000;
  assert.deepEqual(await tracked.changedAndTracked(["@other:hs"]), ["@other:hs"]);
  assert.equal(machine.reads, 2);
});

test("a user followed while the list is being read is not lost when the read's answer predates it", async () => {
  const machine = new FakeMachine();
  const tracked = TrackedUsers.follow(machine, 60_000, () => 0);
  assert.ok(tracked);
  let answer: (users: Set<UserId>) => void = () => undefined;
  machine.trackedUsers = () => new Promise((resolve) => (answer = resolve));

  const sorting = tracked.changedAndTracked(["@mod:hs"]);
  await machine.updateTrackedUsers([new UserId("@mod:hs")]);
  answer(new Set([new UserId("@bot:hs")]));
  assert.deepEqual(await sorting, ["@mod:hs"]);
});

test("on another SDK shape nothing is followed, so the caller leaves syncs untouched", () => {
  assert.equal(TrackedUsers.follow({ trackedUsers: () => Promise.resolve(new Set()) }), undefined);
  assert.equal(TrackedUsers.follow(undefined), undefined);
});
