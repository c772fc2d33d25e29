/** Opens join-wave.json (a pause that outlives a restart) and invites.json (invites waited on). */
import * as z from "zod";
import type { JoinWaveState } from "../../core/moderation/join-wave.js";
import type { InviteBook } from "../../core/admission/invites.js";
import { JsonStore } from "./json-store.js";
import type { WriteRetry } from "./write-faults.js";

const joinWaveSchema = z.strictObject({
  mode: z.enum(["normal", "paused", "overridden"]),
  recent: z.array(z.number()).max(10_001),
  waveStartedAt: z.number().optional(),
  arrivalsInWave: z.number().int().min(0),
  loudUntil: z.number(),
  now: z.number(),
});

const inviteSchema = z.strictObject({
  user: z.string().min(1),
  invitedAt: z.number(),
  rooms: z.array(z.string()),
  via: z.string(),
  remindedAt: z.number().optional(),
  withdrawing: z
    .strictObject({ reason: z.enum(["expired", "moderator"]), by: z.string().optional() })
    .optional(),
});

export function openJoinWaveStore(
  path: string,
  retry?: WriteRetry,
): Promise<JsonStore<JoinWaveState>> {
  return JsonStore.open<JoinWaveState>({
    path,
    parse: (raw) => checked(joinWaveSchema, raw) as JoinWaveState,
    empty: () => ({ mode: "normal", recent: [], arrivalsInWave: 0, loudUntil: 0, now: 0 }),
    retry,
  });
}

export function openInviteBook(path: string, retry?: WriteRetry): Promise<JsonStore<InviteBook>> {
  return JsonStore.open<InviteBook>({
    path,
    parse: (raw) => checked(z.record(z.string(), inviteSchema), raw) as InviteBook,
    empty: () => ({}),
    retry,
  });
}

function checked(schema: z.ZodType, raw: unknown): unknown {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new Error(
    `at ${issue?.path.join(".") || "the top level"}: ${issue?.message ?? "bad shape"}`,
  );
}
