/**
 * Registration tokens on continuwuity, which has no HTTP API for them: the
 * bot (a server admin) posts a command in the server's admin room
 * (`#admins:<server>`) and reads the server bot's reply.
 *
 * What this relies on, read in continuwuity's source (src/admin/token/,
 * src/service/registration_tokens/, src/admin/processor.rs) and its admin
 * command reference (`!admin token issue|revoke|list`):
 * - `!admin token issue` takes `--max-uses N`, `--max-age <duration, e.g. 30s>`,
 *   `--once` or `--immortal` (newer releases accept uses and age together)
 *   and answers ``New registration token issued: `TOKEN`. <expiry>.``
 * - `!admin token list` answers `Found N registration tokens:` then one line
 *   per token: ``- `TOKEN` --- Token created by @u:s and used N times. <expiry>.``
 *   (or `Token defined in config.` / `Initial setup token.`).
 * - `<expiry>` is `Never expires`, `Expires after N use(s)`,
 *   `Expires in <span> (<RFC 3339 time>)`, `Expired at <time>`, or
 *   `Expires after N use(s) or in <span> (<time>)`.
 * - `!admin token revoke TOKEN` answers `Token revoked successfully.`; an
 *   unknown token fails with "This token does not exist or has already expired."
 * - Answers are m.notice events replying (`m.in_reply_to`) to the command;
 *   failures read `Command failed with error:` and a code block; a command the
 *   parser rejects gets its usage error as plain text. Captured log lines may
 *   come first, so the parsers look for their lines anywhere in the body.
 * continuwuity counts only completed registrations (`uses`): `pending` is 0.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Method, type MatrixClient } from "matrix-js-sdk";
import { HomeserverError, type RegistrationToken, type TokenIssuer } from "../../core/ports.js";
import { sendBotMessage } from "./bot-message.js";
import { toHomeserverError } from "./errors.js";

/** Token values continuwuity makes are alphanumeric; nothing else may reach a command line. */
const TOKEN_VALUE = /^[A-Za-z0-9_-]{1,64}$/;
const NOT_FOUND = "does not exist or has already expired";

/** Runs one admin command and resolves with the server bot's reply text. */
export interface AdminRoom {
  run(command: string): Promise<string>;
}

export class ContinuwuityTokenIssuer implements TokenIssuer {
  constructor(
    private readonly room: AdminRoom,
    private readonly now: () => number = Date.now,
  ) {}

  async issue(req: {
    uses?: number;
    expiresAt?: number;
    token?: string;
  }): Promise<RegistrationToken> {
    if (req.token !== undefined) {
      throw new HomeserverError(
        "continuwuity chooses registration tokens itself: leave the token value out",
        false,
        undefined,
        "M_INVALID_PARAM",
      );
    }
    const now = this.now();
    return parseIssueReply(await this.room.run(issueCommand(req, now)), now);
  }

  async list(): Promise<RegistrationToken[]> {
    return parseListReply(await this.room.run("!admin token list"), this.now());
  }

  async revoke(token: string): Promise<boolean> {
    if (!TOKEN_VALUE.test(token)) return false; // cannot be one of continuwuity's tokens
    return parseRevokeReply(await this.room.run(`!admin token revoke ${token}`));
  }
}

/** The `!admin token issue` line for a request; `now` turns an expiry time into a maximum age. */
export function issueCommand(req: { uses?: number; expiresAt?: number }, now: number): string {
  const flags: string[] = [];
  if (req.uses !== undefined) {
    if (!Number.isInteger(req.uses) || req.uses < 1) {
      throw new HomeserverError("uses must be a whole number of at least 1", false);
    }
    flags.push(`--max-uses ${req.uses}`);
  }
  if (req.expiresAt !== undefined) {
    const seconds = Math.ceil((req.expiresAt - now) / 1000);
    if (!Number.isFinite(seconds) || seconds < 1) {
      throw new HomeserverError("the expiry time is in the past", false);
    }
    flags.push(`--max-age ${seconds}s`);
  }
  if (flags.length === 0) flags.push("--immortal");
  return `!admin token issue ${flags.join(" ")}`;
}

export function parseIssueReply(reply: string, now: number): RegistrationToken {
  const match = /New registration token issued: `([^`\s]+)`\. ?(.*)$/m.exec(reply);
  if (!match) throw refusal("issue", reply);
  return { token: match[1]!, pending: 0, completed: 0, ...parseExpiry(match[2] ?? "", now) };
}

export function parseListReply(reply: string, now: number): RegistrationToken[] {
  if (!/Found \d+ registration tokens?:/.test(reply)) throw refusal("list", reply);
  const tokens: RegistrationToken[] = [];
  for (const line of reply.split("\n")) {
    const match = /^- `([^`\s]+)` --- (.*)$/.exec(line.trim());
    if (!match) continue;
    const description = match[2]!;
    const used = /used (\d+) times?/.exec(description);
    tokens.push({
      token: match[1]!,
      pending: 0,
      completed: used ? Number(used[1]) : 0,
      ...parseExpiry(description, now),
    });
  }
  return tokens;
}

/** True when revoked; false when the server knows no such (valid) token. */
export function parseRevokeReply(reply: string): boolean {
  if (/Token revoked successfully/.test(reply)) return true;
  if (reply.includes(NOT_FOUND)) return false;
  throw refusal("revoke", reply);
}

/** Uses and expiry from continuwuity's wording of a token's expiry. */
export function parseExpiry(
  text: string,
  now: number,
): { usesAllowed: number | null; expiresAt: number | null } {
  if (/Already expired/.test(text)) return { usesAllowed: 0, expiresAt: null };
  const uses = /Expires after (\d+) use/.exec(text);
  const time = /Expired at (\S+?)\.?$/m.exec(text) ?? /\((\d{4}-\d\d-\d\dT[^()\s]+)\)/.exec(text);
  let expiresAt: number | null = null;
  if (time) {
    expiresAt = parseChronoTime(time[1]!);
    // An unreadable time still means the token expires: say "now" rather than "never".
    if (expiresAt === null) expiresAt = now;
  }
  return { usesAllowed: uses ? Number(uses[1]) : null, expiresAt };
}

/** chrono's `%+` (RFC 3339 with up to nine fraction digits) to ms; null when unreadable. */
function parseChronoTime(text: string): number | null {
  const trimmed = text.replace(/(\.\d{3})\d+/, "$1");
  const ms = Date.parse(trimmed);
  return Number.isFinite(ms) ? ms : null;
}

/** The server bot's answer was not the expected one: its words, made safe, in one line. */
function refusal(command: string, reply: string): HomeserverError {
  const block = /Command failed with error:\s*```\s*([\s\S]*?)```/.exec(reply);
  const words = (block?.[1] ?? reply)
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 300);
  return new HomeserverError(
    `continuwuity refused \`!admin token ${command}\`: ${words || "(an empty answer)"}`,
    false,
  );
}

/** The admin room over matrix-js-sdk, without syncing: send, then read recent messages for the reply. */
export class MatrixAdminRoom implements AdminRoom {
  private roomId: string | undefined;
  private me: string | undefined;
  private readonly adminLabel: string;
  private readonly timeoutMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly client: MatrixClient,
    opts: { adminLabel?: string; timeoutMs?: number; pollMs?: number } = {},
  ) {
    this.adminLabel = opts.adminLabel ?? "the bot";
    this.timeoutMs = opts.timeoutMs ?? 20_000;
    this.pollMs = opts.pollMs ?? 300;
  }

  async run(command: string): Promise<string> {
    const { roomId, me, alias } = await this.adminRoom();
    const room = encodeURIComponent(roomId);
    const txnId = `anteroom-${randomUUID()}`;
    let eventId: string;
    try {
      eventId = await sendBotMessage(this.client, roomId, txnId, {
        msgtype: "m.text",
        body: command,
      });
    } catch (error) {
      const failure = toHomeserverError(error);
      if (failure.errcode === "M_FORBIDDEN") {
        throw new HomeserverError(
          `${this.adminLabel} is not a server admin: it may not post in the admin room ${alias} (${failure.message})`,
          false,
          undefined,
          "M_FORBIDDEN",
        );
      }
      throw failure;
    }
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const page = await this.call(() =>
        this.client.http.authedRequest<{ chunk?: unknown }>(Method.Get, `/rooms/${room}/messages`, {
          dir: "b",
          limit: "50",
        }),
      );
      const reply = findReply(page.chunk, eventId, me);
      if (reply !== undefined) return reply;
      if (Date.now() >= deadline) break;
      await sleep(this.pollMs);
    }
    // Not retried: the command may have run (an issued token nobody saw is better than two).
    throw new HomeserverError(
      `continuwuity's admin room ${alias} gave no answer to "${command.split(" ").slice(0, 3).join(" ")}" within ${Math.round(this.timeoutMs / 1000)} s; is ${this.adminLabel} a server admin?`,
      false,
    );
  }

  private async adminRoom(): Promise<{ roomId: string; me: string; alias: string }> {
    if (!this.me) {
      const whoami = await this.call(() => this.client.whoami());
      this.me = whoami.user_id;
    }
    const alias = `#admins:${this.me.slice(this.me.indexOf(":") + 1)}`;
    if (!this.roomId) {
      try {
        this.roomId = (await this.client.getRoomIdForAlias(alias)).room_id;
      } catch (error) {
        const failure = toHomeserverError(error);
        if (failure.errcode === "M_NOT_FOUND") {
          throw new HomeserverError(
            `continuwuity has no admin room ${alias}: ${failure.message}`,
            false,
            undefined,
            "M_NOT_FOUND",
          );
        }
        throw failure;
      }
    }
    return { roomId: this.roomId, me: this.me, alias };
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw toHomeserverError(error);
    }
  }
}

/** The body of the first message in `events` that replies to `eventId` and was not sent by us. */
export function findReply(events: unknown, eventId: string, me: string): string | undefined {
  if (!Array.isArray(events)) return undefined;
  for (const event of events) {
    if (typeof event !== "object" || event === null) continue;
    const { type, sender, content } = event as {
      type?: unknown;
      sender?: unknown;
      content?: unknown;
    };
    if (type !== "m.room.message" || sender === me || typeof content !== "object" || !content) {
      continue;
    }
    const relates = (content as { "m.relates_to"?: { "m.in_reply_to"?: { event_id?: unknown } } })[
      "m.relates_to"
    ];
    const body = (content as { body?: unknown }).body;
    if (relates?.["m.in_reply_to"]?.event_id === eventId && typeof body === "string") {
      return body.slice(0, 100_000);
    }
  }
  return undefined;
}
