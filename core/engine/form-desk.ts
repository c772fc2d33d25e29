/**
 * Requests to join from a form webhook, kept in the vetting book next to the
 * knocks so they get the same outbox, retries, audit and console: in `invite`
 * mode a request is let in at once (an admitToCommunity effect); in `queue`
 * mode it is held for a moderator like a knock without a code, and approving
 * it invites. A request that is never decided expires without a kick (the
 * person never knocked). The blocklist is checked first, and a caught person
 * is answered like anyone else.
 */
import type { AuditEntry } from "../effects.js";
import type { AuditSink, Clock } from "../ports.js";
import { activeRecordOf } from "../vetting/knocks.js";
import {
  close,
  enqueue,
  type Step,
  type VettingBook,
  type VettingRecord,
} from "../vetting/record.js";
import type { EngineEvents } from "./events.js";
import { knockVerdict, type Screen } from "../moderation/screening.js";
import type { SerialQueue } from "./serial.js";
import type { Store } from "../ports.js";

export type FormMode = "invite" | "queue";

export interface FormRequest {
  readonly user: string;
  /** Where it came from, for moderators (e.g. "tally"); data, never markup. */
  readonly note: string;
  readonly mode: FormMode;
}

/**
 * What the form service is told. `pending`: this person's request (or knock) is
 * already being handled. A blocked person gets the answer anyone would.
 */
export type FormAnswer = "invited" | "queued" | "pending";

export interface FormDeskDeps {
  readonly vetting: Store<VettingBook>;
  readonly audit: AuditSink;
  readonly clock: Clock;
  readonly events: EngineEvents;
  readonly decisions: SerialQueue;
  readonly screen?: Screen;
  /** Records a vetting step durably and runs its outbox (the engine's vetting kind). */
  commit(step: Step): Promise<void>;
}

export interface FormDeskSettings {
  /** How long a queued request waits for a moderator before it lapses. */
  readonly holdSec: number;
  /** Tries, should a moderator send the person to the challenge instead (`vet`). */
  readonly maxTries: number;
}

export const FORM_KEY_PREFIX = "form:";

export class FormDesk {
  constructor(
    private readonly deps: FormDeskDeps,
    private readonly settings: FormDeskSettings,
  ) {}

  submit(request: FormRequest): Promise<FormAnswer> {
    return this.deps.decisions.run(async () => {
      const now = this.deps.clock.now();
      const neutral: FormAnswer = request.mode === "invite" ? "invited" : "queued";
      const hit = this.deps.screen?.({ userId: request.user });
      if (hit && knockVerdict(hit) === "deny") {
        await this.record({
          type: "form_blocked",
          user: request.user,
          source: hit.source,
          explanation: hit.explanation,
        });
        return neutral;
      }
      if (this.underWay(request.user)) return "pending";
      // A look-alike of a blocked name is not let in unseen: a moderator decides.
      const mode = hit ? "queue" : request.mode;
      await this.deps.commit(requestStep(request, mode, now, this.settings, hit?.explanation));
      return neutral;
    });
  }

  /** This person's knock or request is still being handled, or their invite is still going out. */
  private underWay(user: string): boolean {
    const book = this.deps.vetting.value;
    if (activeRecordOf(book, user)) return true;
    return Object.values(book).some(
      (record) => record.user === user && record.source === "form" && record.outbox.length > 0,
    );
  }

  /** A submission dropped before it became a request (the honeypot): only the audit log knows. */
  turnedAway(type: "form_honeypot", details: Record<string, string>): Promise<void> {
    return this.deps.decisions.run(() => this.record({ type, ...details }));
  }

  private async record(entry: AuditEntry): Promise<void> {
    const stamped = { ts: this.deps.clock.now() / 1000, ...entry };
    await this.deps.audit.append(stamped);
    this.deps.events.emit({ type: "audit", entry: stamped });
  }
}

/** The new record: held for a moderator, or let in at once. */
export function requestStep(
  request: FormRequest,
  mode: FormMode,
  now: number,
  settings: FormDeskSettings,
  suspicion?: string,
): Step {
  const record: VettingRecord = {
    // Keyed by person and time: one pending request per person, a fresh one after it closes.
    key: `${FORM_KEY_PREFIX}${request.user}:${now.toString(36)}`,
    user: request.user,
    reason: request.note,
    knockedAt: now,
    source: "form",
    phase: "held",
    triesLeft: settings.maxTries,
    judged: [],
    outbox: [],
    nextEffectId: 1,
  };
  const base = { user: request.user, key: record.key, note: request.note };
  if (mode === "queue") {
    record.holdUntil = now + settings.holdSec * 1000;
    const audit: AuditEntry[] = [
      {
        type: "form_request_queued",
        ...base,
        until: record.holdUntil / 1000,
        ...(suspicion ? { blocklist_guess: suspicion } : {}),
      },
    ];
    return { record, audit };
  }
  close(record, "invited", now, "passed");
  enqueue(record, { kind: "admitToCommunity", user: request.user });
  return {
    record,
    audit: [
      { type: "form_request_invited", ...base },
      { type: "promoted", user: request.user, via: "form" },
    ],
  };
}
