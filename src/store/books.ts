/** Opens the data dir's JSON books with their shapes checked. */
import { z } from "zod";
import { parseCodeBook, type CodeBook } from "../../core/codes.js";
import type { VettingBook } from "../../core/knocks.js";
import { VETTING_PHASES } from "../../core/vetting.js";
import { JsonStore } from "./json-store.js";

export function openCodeBook(path: string): Promise<JsonStore<CodeBook>> {
  return JsonStore.open<CodeBook>({ path, parse: parseCodeBook, empty: () => ({}) });
}

const pendingEffectSchema = z.looseObject({
  id: z.string(),
  effect: z.looseObject({ kind: z.string() }),
});

// Checks what the engine relies on; the rest of a record is kept as it is.
const vettingRecordSchema = z.looseObject({
  key: z.string(),
  user: z.string(),
  reason: z.string(),
  knockedAt: z.number(),
  phase: z.enum(VETTING_PHASES),
  triesLeft: z.number(),
  judged: z.array(z.string()),
  outbox: z.array(pendingEffectSchema),
  nextEffectId: z.number().int(),
});

export function parseVettingBook(raw: unknown): VettingBook {
  const result = z.record(z.string(), vettingRecordSchema).safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(
      `at ${issue?.path.join(".") || "the top level"}: ${issue?.message ?? "not a vetting book"}`,
    );
  }
  return result.data as unknown as VettingBook;
}

export function openVettingBook(path: string): Promise<JsonStore<VettingBook>> {
  return JsonStore.open<VettingBook>({ path, parse: parseVettingBook, empty: () => ({}) });
}
