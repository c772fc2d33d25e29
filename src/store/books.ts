/** Opens the data dir's JSON books with their shapes checked. */
import * as z from "zod";
import { parseCodeBook, type CodeBook } from "../../core/codes/code-book.js";
import { VETTING_PHASES, type VettingBook, type VettingRecord } from "../../core/vetting/record.js";
import { LOBBY_PHASES, type LobbyBook } from "../../core/lobby/record.js";
import { JsonStore } from "./json-store.js";
import { JournaledBook } from "./journaled-book.js";
import type { WriteRetry } from "./write-faults.js";

export function openCodeBook(path: string, retry?: WriteRetry): Promise<JsonStore<CodeBook>> {
  return JsonStore.open<CodeBook>({ path, parse: parseCodeBook, empty: () => ({}), retry });
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
  return parseBook(vettingRecordSchema, raw, "vetting") as unknown as VettingBook;
}

const lobbyGuestSchema = z.looseObject({
  triesLeft: z.number().int(),
  joined: z.boolean(),
  challengeDueAt: z.number().optional(),
  challenged: z.boolean().optional(),
});

const lobbyRecordSchema = z.looseObject({
  key: z.string(),
  code: z.string(),
  codeLabel: z.string(),
  requestedAt: z.number(),
  phase: z.enum(LOBBY_PHASES),
  roomId: z.string().optional(),
  alias: z.string().optional(),
  challenge: z.looseObject({ topic: z.string(), keyword: z.string() }),
  maxTries: z.number().int(),
  expiresAt: z.number().optional(),
  guests: z.record(z.string(), lobbyGuestSchema),
  judged: z.array(z.string()),
  outbox: z.array(pendingEffectSchema),
  nextEffectId: z.number().int(),
});

export function parseLobbyBook(raw: unknown): LobbyBook {
  return parseBook(lobbyRecordSchema, raw, "lobby") as unknown as LobbyBook;
}

/**
 * Opens lobby.json. Entries that are not anteroom's (no `lobby:` key and outbox: the
 * reference approver's lobbies, say) are kept on disk as they are and left out of the
 * book; anteroom's own entries are checked strictly, so a bad hand edit still stops
 * the start. `foreign` counts the entries set aside.
 */
export async function openLobbyBook(
  path: string,
  retry?: WriteRetry,
): Promise<{ store: JsonStore<LobbyBook>; foreign: number }> {
  let foreign: Record<string, unknown> = {};
  const store = await JsonStore.open<LobbyBook>({
    path,
    parse: (raw) => {
      const { ours, others } = splitLobbyBook(raw);
      foreign = others;
      return parseLobbyBook(ours);
    },
    serialize: (book) => ({ ...foreign, ...book }),
    empty: () => ({}),
    retry,
  });
  return { store, foreign: Object.keys(foreign).length };
}

function splitLobbyBook(raw: unknown): { ours: unknown; others: Record<string, unknown> } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    return { ours: raw, others: {} };
  const ours: Record<string, unknown> = {};
  const others: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(raw)) {
    const mine =
      key.startsWith("lobby:") ||
      (typeof entry === "object" && entry !== null && "outbox" in entry);
    (mine ? ours : others)[key] = entry;
  }
  return { ours, others };
}

function parseBook(schema: z.ZodType, raw: unknown, what: string): unknown {
  const result = z.record(z.string(), schema).safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(
      `at ${issue?.path.join(".") || "the top level"}: ${issue?.message ?? `not a ${what} book`}`,
    );
  }
  return result.data;
}

/** vetting.json changes with every step of every knock: journaled, so a commit writes only its record. */
export function openVettingBook(
  path: string,
  retry?: WriteRetry,
): Promise<JournaledBook<VettingRecord>> {
  return JournaledBook.open<VettingRecord>({ path, parse: parseVettingBook, retry });
}
