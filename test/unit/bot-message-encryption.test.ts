/** The bot's room messages: encrypted through the SDK where the room is, one plain PUT elsewhere. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { MatrixClient } from "matrix-js-sdk";
import { sendBotMessage } from "../../src/matrix/bot-message.js";

function standIn(encryptedRooms: string[] | undefined) {
  const encrypted: unknown[][] = [];
  const plain: unknown[][] = [];
  const client = {
    getCrypto: () =>
      encryptedRooms && {
        isEncryptionEnabledInRoom: async (roomId: string) => encryptedRooms.includes(roomId),
      },
    sendEvent: async (...args: unknown[]) => (encrypted.push(args), { event_id: "$e" }),
    http: { authedRequest: async (...args: unknown[]) => (plain.push(args), { event_id: "$p" }) },
  } as unknown as MatrixClient;
  return { client, encrypted, plain };
}

test("in an encrypted room the SDK sends (and encrypts) the message, with the same transaction id", async () => {
  const { client, encrypted, plain } = standIn(["!mods"]);
  await sendBotMessage(client, "!mods", "t1", { msgtype: "m.notice", body: "hi" });
  assert.deepEqual(encrypted, [
    ["!mods", "m.room.message", { msgtype: "m.notice", body: "hi", "m.mentions": {} }, "t1"],
  ]);
  assert.deepEqual(plain, []);
});

test("a vetting room, or any room while encryption is off, gets one plain PUT", async () => {
  for (const rooms of [["!mods"], undefined]) {
    const { client, encrypted, plain } = standIn(rooms);
    await sendBotMessage(client, "!vetting", "t2", { msgtype: "m.text", body: "haiku?" });
    assert.deepEqual(encrypted, []);
    assert.deepEqual(plain, [
      [
        "PUT",
        "/rooms/!vetting/send/m.room.message/t2",
        undefined,
        { msgtype: "m.text", body: "haiku?", "m.mentions": {} },
      ],
    ]);
  }
});
