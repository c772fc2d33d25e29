/** Policy-list subscriptions: rules read at the join, followed live, a list that cannot be joined reported. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { MatrixEvent, RoomStateEvent, type MatrixClient } from "matrix-js-sdk";
import { HomeserverError } from "../../core/ports.js";
import { emptyPolicyRules, type PolicyRules } from "../../core/moderation/policy-rules.js";
import { PolicyLists } from "../../src/moderation/policy-lists.js";
import { waitFor } from "../harness/wait.js";

const LIST = "!bans:example.org";
const rule = (stateKey: string, entity: string) => ({
  type: "m.policy.rule.user",
  state_key: stateKey,
  content: { entity, recommendation: "m.ban", reason: "spam" },
  sender: "@admin:example.org",
});

function stateEvent(event: object): MatrixEvent {
  return new MatrixEvent({ room_id: LIST, event_id: `$${Math.random()}`, ...event });
}

test("rules are read at the join, followed live, and dropped when the bot is removed", async () => {
  const client = Object.assign(new EventEmitter(), {
    getRoom: () => null,
    getUserId: () => "@bot:example.org",
  });
  let rules: PolicyRules = emptyPolicyRules();
  const logs: string[] = [];
  const lists = new PolicyLists([LIST, "#gone:example.org"], {
    client: client as unknown as MatrixClient,
    port: {
      joinPolicyRoom: async (list) => {
        if (list !== LIST) throw new HomeserverError("no such room", false, 404, "M_NOT_FOUND");
        return LIST;
      },
      readPolicyRules: async () => [rule("a", "@spam*:evil.org")],
    },
    log: {
      info: (_o: unknown, m: string) => logs.push(m),
      warn: () => {},
      error: (_o: unknown, m: string) => logs.push(m),
      debug: () => {},
    } as never,
    rules: { get: () => rules, set: (next) => (rules = next) },
  });
  lists.start();
  try {
    await waitFor(() => lists.status().filter((s) => s.joined || s.error).length >= 2, {
      what: "both policy lists joined or refused",
      timeoutMs: 5000,
      intervalMs: 10,
    });
    const [followed, gone] = lists.status();
    assert.deepEqual([followed?.joined, followed?.rules], [true, 1]);
    assert.equal(gone?.joined, false);
    assert.match(String(gone?.error), /no such room/);
    assert.ok(logs.some((m) => /cannot follow a policy list/.test(m)));

    client.emit(RoomStateEvent.Events, stateEvent(rule("b", "@bot*:evil.org")));
    assert.equal(lists.status()[0]?.rules, 2, "a new rule counts at once");
    client.emit(RoomStateEvent.Events, stateEvent({ ...rule("a", ""), content: {} }));
    assert.deepEqual(
      [...rules.values()].map((r) => r.entity),
      ["@bot*:evil.org"],
      "an emptied rule is gone",
    );

    client.emit(
      RoomStateEvent.Events,
      stateEvent({
        type: "m.room.member",
        state_key: "@bot:example.org",
        content: { membership: "leave" },
        sender: "@admin:example.org",
      }),
    );
    assert.equal(rules.size, 0);
    assert.equal(lists.status()[0]?.joined, false);
  } finally {
    lists.stop();
  }
});
