/**
 * The endorsement log (DATA_DIR/endorsements.jsonl, the reference approver's
 * file and shape): every admission that reaches the audit log also records
 * its endorser here (core/admission/endorsements.ts decides who). The audit sink the
 * engine and the signup service write through does both.
 */
import type { CodeBookName, EngineApi, EngineSnapshot } from "../../core/api.js";
import {
  endorsementOf,
  endorsementsOf,
  liveCodesOf,
  type Endorsement,
  type EndorsementLookup,
} from "../../core/admission/endorsements.js";
import type { AuditSink, Log } from "../../core/ports.js";
import type { MemberEndorsements } from "../../core/moderation-api.js";
import type { AuditLog } from "../store/audit-log.js";
import { readFileIfExists } from "../store/atomic-file.js";

/** `inner`, plus an endorsement line for each admission; a failed endorsement is logged, never fails the audit. */
export function endorsingAudit(
  inner: AuditSink,
  endorsements: AuditLog,
  lookup: () => EndorsementLookup,
  log: Log,
): AuditSink {
  return {
    read: (query) => inner.read(query),
    async append(record) {
      await inner.append(record);
      const endorsement = endorsementOf(record, lookup());
      if (!endorsement) return;
      await endorsements
        .append({ type: "endorsement", ...endorsement })
        .catch((error: unknown) =>
          log.error(
            { err: error, invitee: endorsement.invitee },
            "could not record an endorsement",
          ),
        );
    },
  };
}

/** Every endorsement so far, oldest first; the reference approver's lines (without a type) count too. */
export async function readEndorsements(path: string): Promise<Endorsement[]> {
  const text = (await readFileIfExists(path)) ?? "";
  return text.split("\n").flatMap((line) => {
    const record = parseLine(line);
    const { endorser, invitee, code_or_manual: code, room_id: roomId, ts } = record ?? {};
    if (typeof endorser !== "string" || typeof invitee !== "string") return [];
    return [
      {
        endorser,
        invitee,
        code_or_manual: typeof code === "string" ? code : "manual",
        room_id: typeof roomId === "string" ? roomId : null,
        ts: typeof ts === "number" ? ts : 0,
      },
    ];
  });
}

function parseLine(line: string): Record<string, unknown> | undefined {
  if (line.trim() === "") return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined; // a torn line: the rest of the file still counts
  }
}

/** Revokes every live code `user` minted or was given, in both books: stops the line they vouch for. */
export async function revokeCodesOf(
  engine: {
    snapshot(): Pick<EngineSnapshot, "codes" | "signupCodes">;
    revokeCode: EngineApi["revokeCode"];
  },
  user: string,
  by: string,
  nowMs: number,
): Promise<{ book: CodeBookName; code: string }[]> {
  const snapshot = engine.snapshot();
  const revoked: { book: CodeBookName; code: string }[] = [];
  for (const [book, codes] of [
    ["invite", snapshot.codes],
    ["signup", snapshot.signupCodes],
  ] as const) {
    for (const code of liveCodesOf(user, codes, nowMs / 1000)) {
      if ((await engine.revokeCode(book, code, by)).ok) revoked.push({ book, code });
    }
  }
  return revoked;
}

export async function memberEndorsements(
  user: string,
  endorsementsPath: string,
  snapshot: Pick<EngineSnapshot, "codes" | "signupCodes">,
  nowMs: number,
): Promise<MemberEndorsements> {
  const tree = endorsementsOf(user, await readEndorsements(endorsementsPath));
  const nowSec = nowMs / 1000;
  return {
    user,
    endorsedBy: tree.endorsedBy,
    endorsed: tree.endorsed,
    liveCodes: [
      ...liveCodesOf(user, snapshot.codes, nowSec).map((code) => ({
        book: "invite" as const,
        code,
      })),
      ...liveCodesOf(user, snapshot.signupCodes, nowSec).map((code) => ({
        book: "signup" as const,
        code,
      })),
    ],
  };
}
