/**
 * The signup path: one use of a signup code becomes an account on the
 * community's homeserver, invited to and joined into the space and its child
 * rooms.
 *
 * 1. The use is charged by the engine, the book's one writer (in its decision
 *    queue, under a key unique to this request), which publishes the change
 *    and makes it durable before the homeserver is asked:
 *    N concurrent requests for a code with one use left give one success.
 *    A code spends at most SIGNUP_CODE_RATE_PER_MIN uses a minute: past that
 *    the use is not charged and the answer is 429, so a leaked many-use code
 *    drains slowly enough for a moderator to revoke it.
 * 2. The account is registered with the server-held registration token.
 *    When the homeserver says no (username taken, password too weak…) the use
 *    is given back: a code is not burnt by a taken username. When the answer
 *    is unclear (a timeout after a stage was submitted), anteroom tries to
 *    log in with the new credentials to find out; if it still cannot tell, the
 *    use stays spent and the person is told to try logging in.
 * 3. Once the account exists, every further step (display name, invites by
 *    the bot, joins as the new user, a direct chat with the code's inviter)
 *    is attempted and reported in `steps`; a failure there is never hidden
 *    and never turns the answer into an error.
 *
 * Audit entries go through the engine too, so an attached console sees each
 * signup as it happens. The password and the access tokens never reach a log
 * or the audit log.
 */
import { randomUUID } from "node:crypto";
import type { RedeemRefusal } from "../../core/codes/code-book.js";
import type { SignupCodes } from "../../core/engine/code-desk.js";
import type { Log } from "../../core/ports.js";
import { MatrixHttp, NoAnswerError, describeAnswer } from "./matrix-http.js";
import { registerAccount, type Account, type RegisterFailure } from "./register.js";
import type { SignupError, SignupRequest } from "./validate.js";
import { WindowLimiter } from "../http/public/join-rate.js";
import type { Screen } from "../../core/moderation/screening.js";
import { denyReasons } from "../../core/challenge/messages.js";
import { isUserId } from "../../core/moderation/matrix-ids.js";
import { directRoomRequest } from "./inviter-dm.js";

/** The bot's side: in the daemon, `SdkMatrixPort.invite` (already invited or joined counts as done). */
export interface Inviter {
  invite(roomId: string, userId: string): Promise<void>;
}

export interface SignupDeps {
  /** The engine: it spends and gives back signup codes and writes the audit log, and publishes both. */
  readonly codes: SignupCodes;
  readonly log: Log;
  readonly inviter: Inviter;
  /** Where anteroom reaches the homeserver (HS). */
  readonly homeserverUrl: string;
  /** What people put in their client (HS_PUBLIC, else HS). */
  readonly publicUrl: string;
  /** The server-held registration token; without it signup is off. */
  readonly registrationToken: string | undefined;
  readonly spaceId: string;
  readonly childIds: readonly string[];
  /** ms since the epoch (the per-code rate). */
  readonly now?: () => number;
  /** Per homeserver request (default 15 s). */
  readonly timeoutMs?: number;
  /** Uses one code may spend a minute (default 5; 0: no limit). Uses given back do not count. */
  readonly codeRatePerMinute?: number;
  readonly fetch?: typeof fetch;
  /** The blocklist and policy lists; a caught username or display name is refused before a code is spent. */
  readonly screen?: Screen;
  /** The homeserver's server name, to screen the user ID a username would become. */
  readonly serverName?: string;
  /** Who the new account opens a DM with when the code names no `inviter` (ONBOARDING_INVITER_MXID). */
  readonly defaultInviter?: string;
  /** The direct chat with the inviter is encrypted (default); not with ENCRYPTION=off. */
  readonly encryptDirectChat?: boolean;
}

export interface SignupStep {
  readonly step: string;
  readonly ok: boolean;
  readonly error?: string;
}

export interface SignupSuccess {
  readonly user_id: string;
  readonly access_token: string;
  readonly device_id: string;
  readonly homeserver: string;
  readonly space_id: string;
  readonly steps: readonly SignupStep[];
  /** The direct chat with the code's inviter, when one was opened. */
  readonly dm_room?: string;
}

export type SignupAnswer =
  | { readonly ok: true; readonly status: 200; readonly body: SignupSuccess }
  | {
      readonly ok: false;
      readonly status: number;
      readonly body: { readonly error: string; readonly message: string };
      readonly retryAfterSec?: number;
    };

export interface SignupOptions {
  /** Where the request came from, for the audit log. */
  readonly via: "api" | "form";
  /**
   * Log the signup device out at the end. The form path shows no token, so it
   * leaves none behind: the person logs in with their own client.
   */
  readonly logout?: boolean;
}

const DEVICE_NAME = "anteroom signup";
const STEP_ATTEMPTS = 3;
const MAX_STEP_WAIT_MS = 5_000;

export const INVALID_CODE_MESSAGE = "That signup code is unknown, used up or expired.";

export class SignupService {
  private readonly http: MatrixHttp;
  private readonly now: () => number;
  private readonly perCode: WindowLimiter | undefined;

  constructor(private readonly deps: SignupDeps) {
    this.http = new MatrixHttp({
      baseUrl: deps.homeserverUrl,
      timeoutMs: deps.timeoutMs ?? 15_000,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
    this.now = deps.now ?? Date.now;
    const perMinute = deps.codeRatePerMinute ?? 5;
    this.perCode = perMinute > 0 ? new WindowLimiter(perMinute, 60_000, this.now) : undefined;
  }

  /** Signup needs the server-held registration token. */
  get enabled(): boolean {
    return Boolean(this.deps.registrationToken);
  }

  get homeserver(): string {
    return this.deps.publicUrl;
  }

  async signup(request: SignupRequest, opts: SignupOptions): Promise<SignupAnswer> {
    const registrationToken = this.deps.registrationToken;
    if (!registrationToken) return refusal(disabledError());

    const blocked = this.screened(request);
    if (blocked) {
      await this.appendAudit({
        type: "signup_blocked",
        username: request.username,
        source: blocked.source,
        explanation: blocked.explanation,
        via: opts.via,
      });
      return refusal(notAllowedError());
    }

    const key = `signup:${randomUUID()}`;
    const charge = await this.charge(request.code, key);
    if (!charge.ok) {
      await this.recordFailure({
        reason: charge.reason,
        username: request.username,
        code: clip(request.code),
        via: opts.via,
      });
      return {
        ...refusal({ status: charge.status, error: charge.error, message: charge.message }),
        ...(charge.retryAfterSec === undefined ? {} : { retryAfterSec: charge.retryAfterSec }),
      };
    }
    const { code, label, usesRemaining, inviter } = charge;

    let account: Account;
    const outcome = await registerAccount(this.http, {
      username: request.username,
      password: request.password,
      registrationToken,
      deviceName: DEVICE_NAME,
    });
    if (outcome.ok) {
      account = outcome.account;
    } else {
      const found =
        outcome.failure.kind === "uncertain" ? await this.findAccount(request) : undefined;
      if (found === undefined || found === "absent") {
        const failure: RegisterFailure =
          found === "absent" ? { ...outcome.failure, kind: "unavailable" } : outcome.failure;
        const refund = failure.kind !== "uncertain";
        if (refund) await this.refund(code, key);
        this.logFailure(failure, request.username);
        await this.recordFailure({
          reason: failure.errcode ? failure.errcode.toLowerCase() : `registration_${failure.kind}`,
          detail: failure.message,
          username: request.username,
          code,
          label,
          refunded: refund,
          via: opts.via,
        });
        return registrationRefusal(failure);
      }
      account = found;
    }

    const steps: SignupStep[] = [{ step: "register", ok: true }];
    if (request.displayName !== undefined) {
      steps.push(await this.setDisplayName(account, request.displayName));
    }
    for (const roomId of [this.deps.spaceId, ...this.deps.childIds]) {
      steps.push(await this.invite(roomId, account.userId));
      steps.push(await this.join(roomId, account));
    }
    const partner = this.dmPartner(inviter, account.userId);
    let dmRoom: string | undefined;
    if (partner !== undefined) {
      const dm = await this.openDirectChat(account, partner, request);
      dmRoom = dm.roomId;
      steps.push(...dm.steps);
    }
    if (opts.logout) steps.push(await this.logout(account));

    const failed = steps.filter((s) => !s.ok).map((s) => s.step);
    if (failed.length > 0) {
      this.deps.log.warn(
        { user: account.userId, failed },
        "signup: the account exists, but some steps failed",
      );
    } else {
      this.deps.log.info({ user: account.userId }, "signup: account created and joined");
    }
    await this.appendAudit({
      type: "signup",
      user_id: account.userId,
      code,
      label,
      uses_remaining: usesRemaining,
      via: opts.via,
      steps,
      ...(dmRoom === undefined ? {} : { dm_room: dmRoom }),
    });
    return {
      ok: true,
      status: 200,
      body: {
        user_id: account.userId,
        access_token: account.accessToken,
        device_id: account.deviceId,
        homeserver: this.deps.publicUrl,
        space_id: this.deps.spaceId,
        steps,
        ...(dmRoom === undefined ? {} : { dm_room: dmRoom }),
      },
    };
  }

  /** Spends one use for `key` through the engine (durable before it resolves), within the code's allowance. */
  private async charge(
    given: string,
    key: string,
  ): Promise<
    | { ok: true; code: string; label: string; usesRemaining: number; inviter?: string }
    | {
        ok: false;
        reason: RedeemRefusal | "store_failed" | "rate_limited";
        status: number;
        error: string;
        message: string;
        retryAfterSec?: number;
      }
  > {
    const perCode = this.perCode;
    const charged = await this.deps.codes.chargeSignup(
      given,
      key,
      perCode && ((code) => perCode.hit(code)),
    );
    if (charged.ok) {
      const { entry } = charged;
      return {
        ok: true,
        code: charged.code,
        label: entry.label,
        usesRemaining: entry.uses_remaining,
        ...(entry.inviter === undefined ? {} : { inviter: entry.inviter }),
      };
    }
    if (charged.refusal === "rate_limited") {
      return {
        ok: false,
        reason: "rate_limited",
        status: 429,
        error: "rate_limited",
        message: `This signup code has been used many times in the last minute; try again in ${charged.retryAfterSec} seconds. Nothing was spent.`,
        retryAfterSec: charged.retryAfterSec,
      };
    }
    if (charged.refusal === "store_failed") {
      this.deps.log.error(
        { err: charged.error },
        "signup: could not record the use of a signup code",
      );
      return {
        ok: false,
        reason: "store_failed",
        status: 500,
        error: "internal",
        message: "The signup could not be recorded; nothing was spent. Try again later.",
      };
    }
    return {
      ok: false,
      reason: charged.refusal,
      status: 403,
      error: "invalid_code",
      message: INVALID_CODE_MESSAGE,
    };
  }

  private async refund(code: string, key: string): Promise<void> {
    await this.deps.codes.refundSignup(code, key);
    this.perCode?.release(code);
  }

  /**
   * After an unclear registration answer: can the new credentials log in?
   * An account, "absent" (the homeserver says no such login), or undefined
   * (still unclear).
   */
  private async findAccount(request: SignupRequest): Promise<Account | "absent" | undefined> {
    try {
      const answer = await this.http.request("POST", "/_matrix/client/v3/login", {
        type: "m.login.password",
        identifier: { type: "m.id.user", user: request.username },
        password: request.password,
        initial_device_display_name: DEVICE_NAME,
      });
      const { user_id: userId, access_token: accessToken, device_id: deviceId } = answer.json;
      if (answer.status === 200 && typeof userId === "string" && typeof accessToken === "string") {
        return { userId, accessToken, deviceId: typeof deviceId === "string" ? deviceId : "" };
      }
      return answer.status === 403 ? "absent" : undefined;
    } catch {
      return undefined;
    }
  }

  private async setDisplayName(account: Account, displayName: string): Promise<SignupStep> {
    return this.userStep("display_name", () =>
      this.http.request(
        "PUT",
        `/_matrix/client/v3/profile/${encodeURIComponent(account.userId)}/displayname`,
        { displayname: displayName },
        account.accessToken,
      ),
    );
  }

  private async invite(roomId: string, userId: string): Promise<SignupStep> {
    const step = `invite:${roomId}`;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.inviter.invite(roomId, userId);
        return { step, ok: true };
      } catch (error) {
        const transient = (error as { transient?: unknown }).transient === true;
        if (!transient || attempt >= STEP_ATTEMPTS) {
          return { step, ok: false, error: (error as Error).message || String(error) };
        }
        const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
        await sleep(typeof retryAfterMs === "number" ? retryAfterMs : 250 * 2 ** attempt);
      }
    }
  }

  private async join(roomId: string, account: Account): Promise<SignupStep> {
    return this.userStep(`join:${roomId}`, () =>
      this.http.request(
        "POST",
        `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`,
        {},
        account.accessToken,
      ),
    );
  }

  /** The code's inviter, else the configured one; none when it is not a user ID or is the new user. */
  private dmPartner(codeInviter: string | undefined, newUser: string): string | undefined {
    const partner = codeInviter?.trim() || this.deps.defaultInviter;
    if (partner === undefined || !isUserId(partner) || partner === newUser) return undefined;
    return partner;
  }

  /**
   * The new user opens a direct chat with `partner` (step `inviter_dm`) and
   * marks it as one in its own m.direct account data (step `inviter_dm:m.direct`).
   */
  private async openDirectChat(
    account: Account,
    partner: string,
    request: SignupRequest,
  ): Promise<{ roomId?: string; steps: SignupStep[] }> {
    let roomId: string | undefined;
    const created = await this.userStep("inviter_dm", async (uncertain) => {
      // A 5xx or no answer may still have made the room: adopt it rather than open a second one.
      const made = uncertain ? await this.findDirectChat(account, partner) : undefined;
      if (made !== undefined) {
        roomId = made;
        return { status: 200, json: { room_id: made } };
      }
      const answer = await this.http.request(
        "POST",
        "/_matrix/client/v3/createRoom",
        directRoomRequest(
          request.displayName ?? request.username,
          partner,
          this.deps.encryptDirectChat ?? true,
        ),
        account.accessToken,
      );
      const id = answer.json.room_id;
      if (answer.status === 200 && typeof id === "string") roomId = id;
      return answer;
    });
    if (roomId === undefined) {
      return {
        steps: [
          created.ok ? { ...created, ok: false, error: "no room_id in the answer" } : created,
        ],
      };
    }
    const marked = await this.userStep("inviter_dm:m.direct", () =>
      this.http.request(
        "PUT",
        `/_matrix/client/v3/user/${encodeURIComponent(account.userId)}/account_data/m.direct`,
        // A brand-new account has no other direct chats to keep.
        { [partner]: [roomId] },
        account.accessToken,
      ),
    );
    return { roomId, steps: [created, marked] };
  }

  private async logout(account: Account): Promise<SignupStep> {
    return this.userStep("logout", () =>
      this.http.request("POST", "/_matrix/client/v3/logout", {}, account.accessToken),
    );
  }

  /**
   * A direct chat the new user already opened with `partner`: a room it is in
   * where `partner`'s membership is a direct-chat invite (or, since, a join).
   * A brand-new account is in few rooms, so asking each is cheap.
   */
  private async findDirectChat(account: Account, partner: string): Promise<string | undefined> {
    try {
      const joined = await this.http.request(
        "GET",
        "/_matrix/client/v3/joined_rooms",
        undefined,
        account.accessToken,
      );
      const rooms: unknown = joined.json.joined_rooms;
      if (joined.status !== 200 || !Array.isArray(rooms)) return undefined;
      for (const roomId of rooms.filter((id): id is string => typeof id === "string")) {
        const member = await this.http.request(
          "GET",
          `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.member/${encodeURIComponent(partner)}`,
          undefined,
          account.accessToken,
        );
        if (member.status === 200 && member.json.is_direct === true) return roomId;
      }
    } catch (failure) {
      if (!(failure instanceof NoAnswerError)) throw failure;
    }
    return undefined;
  }

  /**
   * A request as the new user; a 429 or 5xx is tried again a few times.
   * `send` learns whether an earlier attempt may have taken effect (a 5xx or
   * no answer; a 429 never did), for requests that must not happen twice.
   */
  private async userStep(
    step: string,
    send: (uncertain: boolean) => ReturnType<MatrixHttp["request"]>,
  ): Promise<SignupStep> {
    let uncertain = false;
    for (let attempt = 1; ; attempt++) {
      let retryAfterMs: number | undefined;
      let error: string;
      try {
        const answer = await send(uncertain);
        uncertain ||= answer.status >= 500;
        if (answer.status >= 200 && answer.status < 300) return { step, ok: true };
        error = describeAnswer(answer);
        const transient = answer.status === 429 || answer.status >= 500;
        if (!transient) return { step, ok: false, error };
        retryAfterMs = answer.retryAfterMs;
      } catch (failure) {
        error = failure instanceof NoAnswerError ? failure.message : String(failure);
        uncertain = true;
      }
      if (attempt >= STEP_ATTEMPTS) return { step, ok: false, error };
      await sleep(retryAfterMs ?? 250 * 2 ** attempt);
    }
  }

  private logFailure(failure: RegisterFailure, username: string): void {
    const fields = {
      kind: failure.kind,
      errcode: failure.errcode,
      username,
      detail: failure.message,
    };
    if (failure.kind === "token_rejected" || failure.kind === "unsupported") {
      this.deps.log.error(
        fields,
        "signup: the homeserver refused the registration flow; check the registration token",
      );
    } else if (failure.kind === "refused") {
      this.deps.log.info(fields, "signup: the homeserver refused the registration");
    } else {
      this.deps.log.warn(fields, "signup: no clear answer from the homeserver");
    }
  }

  private screened(request: SignupRequest) {
    const { screen, serverName } = this.deps;
    if (!screen || !serverName) return undefined;
    // Synapse lowercases the username it registers.
    const userId = `@${request.username.toLowerCase()}:${serverName}`;
    return screen({ userId, displayName: request.displayName });
  }

  private async recordFailure(fields: Record<string, unknown>): Promise<void> {
    await this.appendAudit({ type: "signup_failed", ...fields });
  }

  private async appendAudit(record: { type: string; [k: string]: unknown }): Promise<void> {
    try {
      await this.deps.codes.recordAudit(record);
    } catch (error) {
      this.deps.log.error(
        { err: error, type: record.type },
        "signup: could not write the audit record",
      );
    }
  }
}

export function disabledError(): SignupError {
  return {
    status: 503,
    error: "signup_disabled",
    message: "Signup is not available on this server: no registration token is configured.",
  };
}

/**
 * A blocked username or display name: 403 like a refused code, with an error
 * of its own so the person is not sent looking for another code, and a message
 * that does not say a blocklist exists.
 */
export function notAllowedError(): SignupError {
  const text = denyReasons.blocked;
  return {
    status: 403,
    error: "not_allowed",
    message: `${text[0]!.toUpperCase()}${text.slice(1)}.`,
  };
}

/** The answer for a registration the homeserver did not complete. */
export function registrationRefusal(failure: RegisterFailure): SignupAnswer {
  switch (failure.kind) {
    case "refused": {
      const retryAfterSec =
        failure.retryAfterMs === undefined ? undefined : Math.ceil(failure.retryAfterMs / 1000);
      return {
        ok: false,
        status: failure.status ?? 400,
        // The homeserver's errcode, lowercased, as the reference answers (M_USER_IN_USE → m_user_in_use).
        body: {
          error: failure.errcode ? failure.errcode.toLowerCase() : "registration_refused",
          message: `${failure.message} Your signup code was not used.`,
        },
        ...(retryAfterSec === undefined ? {} : { retryAfterSec }),
      };
    }
    case "token_rejected":
    case "unsupported":
      return refusal({
        status: 502,
        error: "registration_failed",
        message:
          "The homeserver did not accept this server's registration setup; the operators have been told. Your signup code was not used.",
      });
    case "unavailable":
      return refusal({
        status: 502,
        error: "homeserver_unavailable",
        message:
          "The homeserver could not be reached. Try again in a minute; your signup code was not used.",
      });
    case "uncertain":
      return refusal({
        status: 504,
        error: "registration_uncertain",
        message:
          "The homeserver did not answer in time, so the account may exist. Try logging in with this username and password; if that fails, ask for a new signup code.",
      });
  }
}

function refusal(error: SignupError): SignupAnswer {
  return { ok: false, status: error.status, body: { error: error.error, message: error.message } };
}

function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(ms, 0), MAX_STEP_WAIT_MS)));
}
