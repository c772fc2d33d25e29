/** Every message the bot sends says whom it mentions, so nothing in its text can ping a room. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { botMessageContent } from "../../src/matrix/bot-message.js";

test("a message mentions nobody unless it names the one person it is meant for", () => {
  assert.deepEqual(botMessageContent({ msgtype: "m.notice", body: "welcome, @room! hi" }), {
    msgtype: "m.notice",
    body: "welcome, @room! hi",
    "m.mentions": {},
  });
  assert.deepEqual(
    botMessageContent({ msgtype: "m.text", body: "welcome, @room!", mention: "@ada:example.org" }),
    {
      msgtype: "m.text",
      body: "welcome, @room!",
      "m.mentions": { user_ids: ["@ada:example.org"] },
    },
  );
});
