/**
 * The console over an in-memory engine with a few sample knocks, one of them
 * hostile (escape sequences in its name and messages): for trying the console
 * by hand, in tmux checks and for screenshots. Not a test; run it with
 * `node --import tsx test/ui/demo-console.tsx [--readonly]` in a terminal.
 */
import { runConsole } from "../../ui/run-console.js";
import { World } from "../unit/engine-fixtures.js";

const world = new World({
  WELCOME2026: { uses_remaining: 20, label: "spring newsletter" },
  FRIENDS: { uses_remaining: 3, label: "friends of alice" },
});
world.now = Date.now();
world.engine.start();

const people = ["@ana:example.org", "@bruno:example.org", "@chen:example.org", "@dara:example.org"];
for (const [i, user] of people.entries()) {
  world.now -= 7 * 60_000;
  world.knock(user, i % 2 ? "my code is WELCOME2026" : i === 2 ? "" : "FRIENDS");
}
const evil = "@mallory:example.org";
world.knocks.set(evil, {
  key: "$evil",
  user: evil,
  reason: "WELCOME2026 \x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2J",
  displayName: "\x1b]0;pwned\x07Mal\u202eyrol\x07\r",
  ts: world.now,
});
world.memberships.set(evil, "knock");
world.now = Date.now();
await world.reconcile();
await world.reply("@bruno:example.org", "an old silent pond\nnot the word you asked\nsplash");
await world.reply(evil, "\x1b]0;gotcha\x07hello\r\x1b[1Aworld\x07");

// Time passes and knocks keep coming, as on a real day.
let n = 0;
const timer = setInterval(() => {
  world.now = Date.now();
  if (++n % 3 === 0) world.knock(`@guest${n}:example.org`, n % 2 ? "WELCOME2026" : "");
  void world.reconcile().then(() => world.engine.tick());
}, 4000);

try {
  await runConsole({
    api: world.engine,
    mode: "demo",
    by: process.env.USER ?? "moderator",
    readonly: process.argv.includes("--readonly"),
    publicUrl: "https://join.example.org",
  });
} finally {
  clearInterval(timer);
  await world.engine.stop();
}
