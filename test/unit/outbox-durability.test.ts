import { test } from "node:test";
import assert from "node:assert/strict";
import { EngineEvents } from "../../core/engine/events.js";
import { Outboxes, type LedgerRecord, type RecordKind } from "../../core/engine/outboxes.js";
import { SerialQueue, Slots } from "../../core/engine/serial.js";
import type { Store } from "../../core/ports.js";
import { MemoryStore } from "./engine-fixtures.js";
import { systemClock } from "../../src/system-clock.js";

/** A book whose writes wait until the test lets them land, as on a disk that is full for a while. */
class HeldStore<T> extends MemoryStore<T> {
  private held: Promise<void> | undefined;
  private release = () => {};

  hold(): void {
    this.held = new Promise((resolve) => (this.release = resolve));
  }

  letWritesLand(): void {
    this.held = undefined;
    this.release();
  }

  override async flush(): Promise<void> {
    await super.flush();
    await this.held;
  }
}

test("an effect added to a record does not run while the record is still on its way to disk, even when a timer drains the outbox", async () => {
  const store = new HeldStore<Record<string, LedgerRecord>>({
    k: { key: "k", outbox: [], nextEffectId: 1 },
  });
  const performed: string[] = [];
  const outboxes = new Outboxes({
    codes: new MemoryStore({}),
    signupCodes: new MemoryStore({}),
    audit: { append: async () => undefined, read: async () => [] },
    clock: { now: () => 0, wakeAfter: systemClock.wakeAfter },
    log: { info() {}, warn() {}, error() {} },
    random: () => 0.5,
    events: new EngineEvents(),
    decisions: new SerialQueue(),
    slots: new Slots(4),
    perform: async (_kind, _record, pending) => {
      performed.push(pending.id);
      return {};
    },
  });
  const kind: RecordKind<LedgerRecord> = {
    name: "vetting",
    store: store as Store<Record<string, LedgerRecord>>,
    isActive: () => true,
    succeeded: () => undefined,
    failedForGood: (record) => ({ record, audit: [] }),
    published: () => undefined,
  };
  outboxes.register(kind);

  store.hold();
  // A decision adds an effect in memory; its write cannot land yet.
  store.update((book) => {
    book.k = {
      key: "k",
      outbox: [{ id: "1", effect: { kind: "leaveRoom", roomId: "!r:example.org" } }],
      nextEffectId: 2,
    };
  });
  // A retry timer or a tick drains the record's outbox meanwhile.
  outboxes.drain(kind, "k");
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(performed, [], "nothing runs before the record is durable");

  store.letWritesLand();
  for (let i = 0; i < 20 && performed.length === 0; i++)
    await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(performed, ["1"], "it runs once the record is on disk");
  outboxes.stop();
});
