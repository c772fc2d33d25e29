import { test } from "node:test";
import assert from "node:assert/strict";
import { skipIdleRequestLoops } from "../../src/matrix/crypto/idle-request-loops.js";

/** The OlmMachine's shape: methods on its prototype, a queue of requests waiting to go out. */
class FakeMachine {
  readonly waiting: string[] = [];
  outgoingRequests(): Promise<string[]> {
    return Promise.resolve([...this.waiting]);
  }
  markRequestAsSent(request: string): Promise<void> {
    this.waiting.splice(this.waiting.indexOf(request), 1);
    return Promise.resolve();
  }
  /** A new member of an encrypted room: their keys are to be queried (once `written`). */
  async updateTrackedUsers(users: string[], written?: Promise<void>): Promise<void> {
    await written;
    this.waiting.push(...users.map((user) => `keys/query ${user}`));
  }
  trackedUsers(): Promise<Set<string>> {
    return Promise.resolve(new Set());
  }
}

/** The SDK's end of a sync: one pass of the loop, sending what is waiting unless the homeserver fails. */
function loopingCrypto(machine: FakeMachine) {
  const sent: string[] = [];
  let failing = false;
  const crypto = {
    loops: 0,
    pass: Promise.resolve(),
    onSyncCompleted() {
      crypto.loops++;
      crypto.pass = (async () => {
        for (const request of await machine.outgoingRequests()) {
          if (failing) continue;
          sent.push(request);
          await machine.markRequestAsSent(request);
        }
      })();
    },
    fail(on: boolean) {
      failing = on;
    },
  };
  return { crypto, sent };
}

test("the loop after a sync is skipped while the crypto has nothing waiting, and a new moderator's key query still goes out with the next sync", async () => {
  const machine = new FakeMachine();
  const { crypto, sent } = loopingCrypto(machine);
  let clock = 0;
  skipIdleRequestLoops(crypto, machine, 60_000, () => clock);
  const sync = async () => {
    crypto.onSyncCompleted();
    await crypto.pass;
  };

  await sync(); // the first pass learns that nothing is waiting
  await sync();
  await sync();
  void machine.trackedUsers(); // a read queues nothing
  await sync();
  assert.equal(crypto.loops, 1);

  await machine.updateTrackedUsers(["@moderator:hs"]); // joined the encrypted command room
  await sync();
  assert.deepEqual(sent, ["keys/query @moderator:hs"]);
  assert.equal(crypto.loops, 2);

  crypto.fail(true);
  await machine.updateTrackedUsers(["@second:hs"]);
  await sync(); // the query fails: it stays waiting ...
  crypto.fail(false);
  await sync(); // ... and the next sync retries it
  assert.deepEqual(sent, ["keys/query @moderator:hs", "keys/query @second:hs"]);
  assert.equal(crypto.loops, 4);

  await sync(); // the retry's success was a call: one more pass finds nothing
  await sync();
  assert.equal(crypto.loops, 5);
  clock = 61_000;
  await sync(); // the interval passed: one pass whatever
  assert.equal(crypto.loops, 6);
});

test("a change the crypto was still writing when it answered 'nothing waiting' goes out with the next sync", async () => {
  const machine = new FakeMachine();
  const { crypto, sent } = loopingCrypto(machine);
  skipIdleRequestLoops(crypto, machine, 60_000, () => 0);
  const sync = async () => {
    crypto.onSyncCompleted();
    await crypto.pass;
  };
  await sync();

  let written = () => {};
  const joining = machine.updateTrackedUsers(
    ["@moderator:hs"],
    new Promise<void>((resolve) => (written = resolve)),
  );
  await sync(); // its loop reads the queue before the new member is in it
  assert.deepEqual(sent, []);
  written();
  await joining;
  await sync();
  assert.deepEqual(sent, ["keys/query @moderator:hs"]);
});
