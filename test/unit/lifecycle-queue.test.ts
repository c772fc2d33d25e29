import assert from "node:assert/strict";
import { test } from "node:test";
import {
  checkLifecycleCall,
  EMPTY_LIFECYCLE_QUEUE,
  enqueueLifecycle,
  nextLifecycleCall,
  parseLifecycleQueue,
  settleLifecycleCall,
  type LifecycleCall,
  type LifecycleQueue,
} from "../../core/moderation/lifecycle-queue.js";

const ANN = "@ann:example.org";
const BO = "@bo:example.org";

function queueOf(...calls: LifecycleCall[]): LifecycleQueue {
  let queue = EMPTY_LIFECYCLE_QUEUE;
  calls.forEach((call, i) => {
    const result = enqueueLifecycle(queue, call, { by: "idp", at: 1000 + i });
    assert.ok(result.ok);
    queue = result.queue;
  });
  return queue;
}

/** Applies the queue front to back, as the runtime does, and says what was applied. */
function drain(queue: LifecycleQueue): string[] {
  const applied: string[] = [];
  for (let next = nextLifecycleCall(queue); next; next = nextLifecycleCall(queue)) {
    const { call } = next;
    applied.push(`${call.user} ${call.action}${call.action === "promoted" ? ` ${call.role}` : ""}`);
    queue = settleLifecycleCall(queue, next.seq);
  }
  return applied;
}

test("created, promoted, demoted for one user leaves created then demoted", () => {
  const queue = queueOf(
    { user: ANN, action: "created" },
    { user: ANN, action: "promoted", role: "moderator" },
    { user: ANN, action: "demoted" },
  );
  assert.deepEqual(drain(queue), [`${ANN} created`, `${ANN} demoted`]);
});

test("calls for different users keep their order of arrival", () => {
  const queue = queueOf(
    { user: ANN, action: "created" },
    { user: BO, action: "created" },
    { user: BO, action: "promoted", role: "admin" },
    { user: ANN, action: "promoted", role: "moderator" },
  );
  assert.deepEqual(drain(queue), [
    `${ANN} created`,
    `${BO} created`,
    `${BO} promoted admin`,
    `${ANN} promoted moderator`,
  ]);
});

test("the last membership word wins and moves to the back", () => {
  const queue = queueOf(
    { user: ANN, action: "created" },
    { user: BO, action: "created" },
    { user: ANN, action: "revoked" },
    { user: ANN, action: "created" },
  );
  assert.deepEqual(drain(queue), [`${BO} created`, `${ANN} created`]);
});

test("a revocation drops a role change queued before it, but not one after it", () => {
  const revoked = queueOf(
    { user: ANN, action: "created" },
    { user: ANN, action: "promoted", role: "admin" },
    { user: ANN, action: "revoked" },
  );
  assert.deepEqual(drain(revoked), [`${ANN} revoked`]);
  const after = queueOf({ user: ANN, action: "revoked" }, { user: ANN, action: "demoted" });
  assert.deepEqual(drain(after), [`${ANN} revoked`, `${ANN} demoted`]);
});

test("enqueue reports what it replaced", () => {
  const queue = queueOf({ user: ANN, action: "promoted", role: "moderator" });
  const result = enqueueLifecycle(queue, { user: ANN, action: "demoted" }, { by: "idp", at: 5 });
  assert.ok(result.ok);
  assert.deepEqual(
    result.superseded.map((item) => item.call.action),
    ["promoted"],
  );
});

test("the same call twice queues it once; settling twice or an unknown seq changes nothing", () => {
  const once = queueOf({ user: ANN, action: "created" });
  const twice = queueOf({ user: ANN, action: "created" }, { user: ANN, action: "created" });
  assert.equal(twice.items.length, 1);
  assert.deepEqual(drain(once), drain(twice));
  const first = nextLifecycleCall(twice);
  assert.ok(first);
  const settled = settleLifecycleCall(twice, first.seq);
  assert.equal(settleLifecycleCall(settled, first.seq), settled);
  assert.equal(settleLifecycleCall(twice, 999), twice);
});

test("a call queued while an older one is being applied survives that one's settling", () => {
  let queue = queueOf({ user: ANN, action: "created" });
  const applying = nextLifecycleCall(queue);
  assert.ok(applying);
  const later = enqueueLifecycle(queue, { user: ANN, action: "revoked" }, { by: "idp", at: 9 });
  assert.ok(later.ok);
  queue = settleLifecycleCall(later.queue, applying.seq);
  assert.deepEqual(drain(queue), [`${ANN} revoked`]);
});

test("the queue survives a round trip through JSON, and a bad file is refused with a reason", () => {
  const queue = queueOf(
    { user: ANN, action: "created" },
    { user: BO, action: "promoted", role: "moderator" },
  );
  assert.deepEqual(parseLifecycleQueue(JSON.parse(JSON.stringify(queue))), queue);
  assert.throws(() => parseLifecycleQueue({ nextSeq: 1, items: {} }), /items is not a list/);
  assert.throws(
    () =>
      parseLifecycleQueue({
        nextSeq: 3,
        items: [{ seq: 1, by: "x", at: 1, call: { user: "ann", action: "created" } }],
      }),
    /items\[0\]\.call: user/,
  );
});

test("calls are checked: user ID, action, and a role only for a promotion", () => {
  assert.deepEqual(checkLifecycleCall({ user: ANN, action: "created" }), {
    user: ANN,
    action: "created",
  });
  assert.match(String(checkLifecycleCall({ user: "ann", action: "created" })), /user/);
  assert.match(String(checkLifecycleCall({ user: ANN, action: "deleted" })), /action/);
  assert.match(String(checkLifecycleCall({ user: ANN, action: "promoted" })), /role/);
  assert.match(String(checkLifecycleCall({ user: ANN, action: "demoted", role: "x" })), /role/);
  assert.match(String(checkLifecycleCall({ user: ANN, action: "created", x: 1 })), /unknown field/);
});
