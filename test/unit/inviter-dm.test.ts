import { test } from "node:test";
import assert from "node:assert/strict";
import { directRoomRequest } from "../../src/signup/inviter-dm.js";

const encryptionOf = (body: Record<string, unknown>) =>
  (body.initial_state as { type: string; content: unknown }[] | undefined)?.find(
    (event) => event.type === "m.room.encryption",
  )?.content;

test("the direct chat with the inviter is made encrypted, and in the clear with ENCRYPTION=off", () => {
  const encrypted = directRoomRequest("Dora", "@carol:test", true);
  assert.deepEqual(encryptionOf(encrypted), { algorithm: "m.megolm.v1.aes-sha2" });
  assert.equal(encrypted.is_direct, true);
  assert.deepEqual(encrypted.invite, ["@carol:test"]);
  assert.equal(encryptionOf(directRoomRequest("Dora", "@carol:test", false)), undefined);
});
