import { test } from "node:test";
import assert from "node:assert/strict";
import type { RoomMessage } from "../../core/engine/inputs.js";
import { VettingRoomSync } from "../../src/matrix/vetting-room-sync.js";

const VETTING = "!vet:hs";
const LOBBY = "!lobby:hs";
const NEWCOMER = "@new:hs";

const member = (user: string, displayname?: string) => ({
  type: "m.room.member",
  state_key: user,
  sender: user,
  content: { membership: "join", ...(displayname === undefined ? {} : { displayname }) },
});
const message = (id: string, body: string, sender = NEWCOMER) => ({
  type: "m.room.message",
  event_id: id,
  sender,
  origin_server_ts: 1_000,
  content: { msgtype: "m.text", body },
});
const roomWith = (...events: object[]) => ({ timeline: { events } });

function reader(vettingRooms: string[], known: string[] = []) {
  const messages: RoomMessage[] = [];
  const asked: string[] = [];
  const sync = new VettingRoomSync((roomId) => known.includes(roomId));
  sync.attach({
    isVettingRoom: (roomId) => vettingRooms.includes(roomId),
    onMessage: (m) => messages.push(m),
    displayNameOf: (roomId, user) => {
      asked.push(`${roomId} ${user}`);
      return Promise.resolve("Name From The Homeserver");
    },
  });
  return { sync, messages, asked };
}

test("a vetting room leaves the answer; its messages reach the engine with the sender's name", async () => {
  const { sync, messages } = reader([VETTING]);
  const body = {
    rooms: {
      join: {
        [VETTING]: roomWith(member(NEWCOMER, "Ada"), message("$1", "an autumn haiku")),
        [LOBBY]: roomWith(message("$2", "hello in the lobby")),
      },
    },
  };
  await sync.take(body);
  assert.deepEqual(Object.keys(body.rooms.join), [LOBBY]);
  assert.deepEqual(messages, [
    {
      roomId: VETTING,
      eventId: "$1",
      sender: NEWCOMER,
      body: "an autumn haiku",
      displayName: "Ada",
      sentAt: 1_000,
    },
  ]);
});

test("a name and the alias seen in one answer serve the answers after it", async () => {
  const { sync, messages } = reader([VETTING]);
  await sync.take({
    rooms: {
      join: {
        [VETTING]: {
          state: {
            events: [
              member(NEWCOMER, "Ada"),
              {
                type: "m.room.canonical_alias",
                state_key: "",
                content: { alias: "#anteroom-vet-1:hs" },
              },
            ],
          },
        },
      },
    },
  });
  await sync.take({ rooms: { join: { [VETTING]: roomWith(message("$3", "second try")) } } });
  assert.equal(messages[0]?.displayName, "Ada");
  assert.equal(sync.aliasOf(VETTING), "#anteroom-vet-1:hs");
});

test("a room made as a vetting room is taken from its first answer, before the engine knows it", async () => {
  const { sync, messages } = reader([]);
  const create = {
    type: "m.room.create",
    state_key: "",
    content: { "anteroom.vetting_room": true },
  };
  const other = { type: "m.room.create", state_key: "", content: {} };
  const body = { rooms: { join: { "!new:hs": roomWith(create), "!other:hs": roomWith(other) } } };
  await sync.take(body);
  assert.deepEqual(Object.keys(body.rooms.join), ["!other:hs"]);
  await sync.take({ rooms: { join: { "!new:hs": roomWith(message("$8", "later")) } } });
  assert.deepEqual(
    messages.map((m) => m.eventId),
    ["$8"],
  );
});

test("a room the SDK already holds stays with it, vetting or not", async () => {
  const { sync, messages } = reader([VETTING], [VETTING]);
  const body = { rooms: { join: { [VETTING]: roomWith(message("$4", "haiku")) } } };
  await sync.take(body);
  assert.deepEqual(Object.keys(body.rooms.join), [VETTING]);
  assert.equal(messages.length, 0);
});

test("once the bot has left a vetting room, nothing of it is kept", async () => {
  const { sync } = reader([VETTING]);
  const alias = {
    type: "m.room.canonical_alias",
    state_key: "",
    content: { alias: "#anteroom-vet-3:hs" },
  };
  await sync.take({ rooms: { join: { [VETTING]: roomWith(alias) } } });
  const body = { rooms: { leave: { [VETTING]: roomWith(member("@bot:hs")) } } };
  await sync.take(body);
  assert.deepEqual(body.rooms.leave, {});
  assert.equal(sync.aliasOf(VETTING), undefined);
});

test("before the engine is attached every room goes to the SDK", async () => {
  const sync = new VettingRoomSync(() => false);
  const body = { rooms: { join: { [VETTING]: roomWith(message("$5", "early")) } } };
  await sync.take(body);
  assert.deepEqual(Object.keys(body.rooms.join), [VETTING]);
});

test("an encrypted room stays with the SDK, which can decrypt it", async () => {
  const { sync } = reader([VETTING]);
  const encryption = {
    type: "m.room.encryption",
    state_key: "",
    content: { algorithm: "m.megolm.v1.aes-sha2" },
  };
  const body = { rooms: { join: { [VETTING]: { state: { events: [encryption] } } } } };
  await sync.take(body);
  assert.deepEqual(Object.keys(body.rooms.join), [VETTING]);
});

test("a sender whose name was never seen (a restart since) is asked of the homeserver, once", async () => {
  const { sync, messages, asked } = reader([VETTING]);
  await sync.take({ rooms: { join: { [VETTING]: roomWith(message("$6", "one")) } } });
  await sync.take({ rooms: { join: { [VETTING]: roomWith(message("$7", "two")) } } });
  assert.deepEqual(asked, [`${VETTING} ${NEWCOMER}`]);
  assert.deepEqual(
    messages.map((m) => m.displayName),
    ["Name From The Homeserver", "Name From The Homeserver"],
  );
});
