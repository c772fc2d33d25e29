/**
 * The demo's simulated newcomers: each knocks on the demo space and plays one
 * part (answers well, answers badly, wrong code, no code, never answers), then
 * reports where it ended up. They talk to the homeserver as a plain client
 * does (src/devserver/newcomer-flow.ts); what they cannot see from outside (a
 * knock held for a moderator) they read from the engine's snapshot.
 */
import { setTimeout as delay } from "node:timers/promises";
import type { EngineApi } from "../../../core/api.js";
import type { VettingPhase } from "../../../core/vetting/record.js";
import type { TestCommunity } from "../../devserver/community.js";
import { Newcomer, haikuWith, type Challenge } from "../../devserver/newcomer-flow.js";
import type { TestHomeserver } from "../../devserver/test-homeserver.js";
import { errorMessage } from "../../devserver/wait.js";

export type Outcome = "invited" | "denied-after-tries" | "denied" | "held" | "open";

export const OUTCOME_TEXT: Record<Outcome, string> = {
  invited: "invited to the space",
  "denied-after-tries": "knock denied, out of tries",
  denied: "knock denied at once",
  held: "held for a moderator",
  open: "vetting room open, no answer yet",
};

export interface DemoContext {
  readonly hs: TestHomeserver;
  readonly community: TestCommunity;
  readonly engine: EngineApi;
  /** The invite code the demo seeded. */
  readonly code: string;
  readonly maxTries: number;
  /** Slow (the console: watchable) or quick (headless). */
  readonly pace: "watchable" | "quick";
  /** Aborted when the demo ends: every newcomer stops where it is. */
  readonly signal: AbortSignal;
  /** Each Matrix wait gives up after this long. */
  readonly waitMs: number;
}

export interface Report {
  readonly outcome: Outcome;
  readonly detail?: string;
}

export interface Persona {
  readonly localpart: string;
  readonly displayName: string;
  /** What the newcomer does, in a few words. */
  readonly role: string;
  readonly expected: Outcome;
  /** Seconds after the start (watchable pace; the quick pace divides by 10). */
  readonly startsAfterSec: number;
  play(me: Newcomer, ctx: DemoContext): Promise<Report>;
}

export const PERSONAS: readonly Persona[] = [
  {
    localpart: "ada",
    displayName: "Ada",
    role: "answers well",
    expected: "invited",
    startsAfterSec: 0,
    async play(me, ctx) {
      await me.knock(ctx.code);
      const challenge = await me.readChallenge(ctx.waitMs);
      await think(ctx, 4);
      await me.reply(challenge, haikuWith(challenge.keyword));
      await me.client.waitForInvite(ctx.community.spaceId, ctx.waitMs);
      return { outcome: "invited" };
    },
  },
  {
    localpart: "bert",
    displayName: "Bert",
    role: "answers badly",
    expected: "denied-after-tries",
    startsAfterSec: 2,
    async play(me, ctx) {
      await me.knock(ctx.code);
      const challenge = await me.readChallenge(ctx.waitMs);
      const answers = badAnswers(challenge);
      for (let n = 1; n <= ctx.maxTries; n++) {
        await think(ctx, 3);
        await me.reply(challenge, answers[(n - 1) % answers.length] ?? "no idea");
        await me.client.syncUntil(
          () => (botVerdicts(me, challenge) >= n ? true : undefined),
          `the bot's verdict on try ${n}`,
          ctx.waitMs,
        );
      }
      const leave = await me.client.waitForLeave(ctx.community.spaceId, ctx.waitMs);
      return { outcome: "denied-after-tries", detail: reasonOf(leave) };
    },
  },
  {
    localpart: "cleo",
    displayName: "Cleo",
    role: "wrong code",
    expected: "denied",
    startsAfterSec: 4,
    async play(me, ctx) {
      await me.knock("OPEN-SESAME");
      const leave = await me.client.waitForLeave(ctx.community.spaceId, ctx.waitMs);
      return { outcome: "denied", detail: reasonOf(leave) };
    },
  },
  {
    localpart: "dara",
    displayName: "Dara",
    role: "no code",
    expected: "held",
    startsAfterSec: 6,
    async play(me, ctx) {
      await me.knock();
      await untilPhase(ctx, me.userId, "held");
      return { outcome: "held", detail: "approve or reject it in the console" };
    },
  },
  {
    localpart: "eli",
    displayName: "Eli",
    role: "never answers",
    expected: "open",
    startsAfterSec: 8,
    async play(me, ctx) {
      await me.knock(ctx.code);
      await me.readChallenge(ctx.waitMs);
      await untilPhase(ctx, me.userId, "open");
      return { outcome: "open", detail: "got the challenge and stays silent" };
    },
  },
];

/** The engine's phase for this user's latest knock, if any. */
export function phaseOf(engine: EngineApi, userId: string): VettingPhase | undefined {
  const records = engine.snapshot().records.filter((record) => record.user === userId);
  return records.at(-1)?.phase;
}

/** Registers and plays one persona; errors (and an abort) come back as a rejection. */
export async function playPersona(
  persona: Persona,
  ctx: DemoContext,
  uniqueLocalparts: boolean,
): Promise<{ userId: string; report: Report }> {
  const start = persona.startsAfterSec * 1000 * (ctx.pace === "quick" ? 0.1 : 1);
  await pause(ctx, start);
  const localpart = uniqueLocalparts
    ? `${persona.localpart}-${Math.random().toString(36).slice(2, 8)}`
    : persona.localpart;
  const me = await Newcomer.register(ctx.hs, ctx.community, persona.displayName, {
    localpart,
    signal: ctx.signal,
  });
  try {
    return { userId: me.userId, report: await persona.play(me, ctx) };
  } catch (error) {
    throw new Error(`${me.userId}: ${errorMessage(error)}`, { cause: error });
  }
}

function badAnswers(challenge: Challenge): string[] {
  const candidates = [
    "hello! is this the right place to get in?",
    "roses are red\nviolets are blue\nI did not read the question",
    "an old silent pond\na frog jumps into the water\nsplash, and then nothing",
  ];
  const keyword = new RegExp(`\\b${escapeRegExp(challenge.keyword)}\\b`, "i");
  const wrong = candidates.filter((text) => !keyword.test(text));
  return wrong.length > 0 ? wrong : ["no idea"];
}

/** How many verdicts ("not yet — …") the bot has given in the vetting room so far. */
function botVerdicts(me: Newcomer, challenge: Challenge): number {
  return me.client
    .messages(challenge.roomId)
    .filter(
      (ev: { sender?: string; content?: { body?: unknown } }) =>
        ev.sender !== me.userId &&
        typeof ev.content?.body === "string" &&
        ev.content.body.startsWith("not yet"),
    ).length;
}

function reasonOf(leaveEvent: { content?: { reason?: unknown } } | undefined): string | undefined {
  const reason = leaveEvent?.content?.reason;
  return typeof reason === "string" ? `"${reason}"` : undefined;
}

async function untilPhase(ctx: DemoContext, userId: string, phase: VettingPhase): Promise<void> {
  const deadline = Date.now() + ctx.waitMs;
  while (phaseOf(ctx.engine, userId) !== phase) {
    if (Date.now() > deadline) {
      throw new Error(
        `the engine did not put the knock in phase ${phase} within ${ctx.waitMs} ms (it is ${phaseOf(ctx.engine, userId) ?? "unknown"})`,
      );
    }
    await pause(ctx, 100);
  }
}

/** A newcomer taking its time before it writes (seconds at the watchable pace). */
function think(ctx: DemoContext, seconds: number): Promise<void> {
  return pause(ctx, ctx.pace === "quick" ? 200 : seconds * 1000);
}

function pause(ctx: DemoContext, ms: number): Promise<void> {
  return delay(ms, undefined, { signal: ctx.signal });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
