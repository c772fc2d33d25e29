/** The bot's room messages: encrypted through the SDK where the room is, one plain PUT elsewhere. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MsgType, type MatrixClient } from "matrix-js-sdk";
import { sendRoomMessage } from "../../src/matrix/room-message.js";

function standIn(encryptedRooms: string[] | undefined) {
  const encrypted: unknown[][] = [];
  const plain: unknown[][] = [];
  const client = {
    getCrypto: () =>
      encryptedRooms && {
        isEncryptionEnabledInRoom: async (roomId: string) => encryptedRooms.includes(roomId),
      },
    sendEvent: async (...args: unknown[]) => void encrypted.push(args),
    http: { authedRequest: async (...args: unknown[]) => void plain.push(args) },
  } as unknown as MatrixClient;
  return { client, encrypted, plain };
}

test("in an encrypted room the SDK sends (and encrypts) the message, with the same transaction id", async () => {
  const { client, encrypted, plain } = standIn(["!mods"]);
  await sendRoomMessage(client, "!mods", { msgtype: MsgType.Notice, body: "hi" }, "t1");
  assert.deepEqual(encrypted, [
    ["!mods", "m.room.message", { msgtype: "m.notice", body: "hi" }, "t1"],
  ]);
  assert.deepEqual(plain, []);
});

test("a vetting room, or any room while encryption is off, gets one plain PUT", async () => {
  for (const rooms of [["!mods"], undefined]) {
    const { client, encrypted, plain } = standIn(rooms);
    await sendRoomMessage(client, "!vetting", { msgtype: MsgType.Text, body: "haiku?" }, "t2");
    assert.deepEqual(encrypted, []);
    assert.deepEqual(plain, [
      [
        "PUT",
        "/rooms/!vetting/send/m.room.message/t2",
        undefined,
        { msgtype: "m.text", body: "haiku?" },
      ],
    ]);
  }
});
