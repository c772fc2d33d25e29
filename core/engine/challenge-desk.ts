/**
 * What the two desks that challenge newcomers (vetting rooms and lobbies) are given alike: the code
 * book they charge, the engine's clock, randomness, events, decision queue and outboxes, and the
 * engine-wide facts a pass depends on.
 */
import type { CodeBook } from "../codes/code-book.js";
import type { Clock, Store } from "../ports.js";
import type { EngineEvents } from "./events.js";
import type { RoomMessage } from "./inputs.js";
import type { Outboxes } from "./outboxes.js";
import type { SerialQueue } from "./serial.js";

export interface ChallengeDeskDeps {
  readonly codes: Store<CodeBook>;
  readonly clock: Clock;
  readonly random: () => number;
  readonly events: EngineEvents;
  readonly decisions: SerialQueue;
  readonly outboxes: Outboxes;
  /** A fresh signup code that is not in the book yet (the welcome code, if the reply passes). */
  freshSignupCode(): string;
  /** A join wave holds auto-approval back: a pass waits for a moderator. */
  autoApprovalPaused(): boolean;
}

/** A newcomer's message as the "reply" both kinds of record judge, stamped with the engine's facts now. */
export function replyInput(deps: ChallengeDeskDeps, message: RoomMessage) {
  return {
    type: "reply" as const,
    eventId: message.eventId,
    body: message.body,
    displayName: message.displayName,
    ...(message.sentAt === undefined ? {} : { sentAt: message.sentAt }),
    now: deps.clock.now(),
    welcomeCode: deps.freshSignupCode(),
    paused: deps.autoApprovalPaused(),
  };
}
