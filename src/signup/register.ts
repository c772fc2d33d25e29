/**
 * Creates an account with the server-held registration token, through the
 * user-interactive authentication of `POST /_matrix/client/v3/register`:
 *
 * - continuwuity and tuwunel: one stage, `m.login.registration_token`;
 * - Synapse: the token, then `m.login.dummy` (its 401 after the token lists
 *   the token stage under `completed`).
 *
 * Whatever the server's flows, a flow is followed only when anteroom can
 * complete every stage of it. The outcome says how sure we are that no
 * account exists when it failed, which decides whether the code's use is
 * given back.
 */
import { MatrixHttp, NoAnswerError, describeAnswer, type MatrixAnswer } from "./matrix-http.js";

const REGISTER = "/_matrix/client/v3/register";
const TOKEN_STAGE = "m.login.registration_token";
/** The name Synapse used before the token stage was in the spec. */
const TOKEN_STAGE_UNSTABLE = "org.matrix.msc3231.login.registration_token";
const DUMMY_STAGE = "m.login.dummy";
const SUPPORTED = new Set([TOKEN_STAGE, TOKEN_STAGE_UNSTABLE, DUMMY_STAGE]);
/** More rounds than any known flow needs; a server that keeps asking is not followed forever. */
const MAX_ROUNDS = 4;

export interface RegisterRequest {
  readonly username: string;
  readonly password: string;
  readonly registrationToken: string;
  readonly deviceName: string;
}

export interface Account {
  readonly userId: string;
  readonly accessToken: string;
  readonly deviceId: string;
}

/**
 * Why registration failed:
 * - `refused`: the homeserver answered this request with a 4xx (username
 *   taken or invalid, password too weak, rate limited…): no account.
 * - `token_rejected`: the homeserver refused the server-held token: no account;
 *   the operators must fix the token.
 * - `unsupported`: no offered flow can be completed with a token: no account.
 * - `unavailable`: no answer, or a 5xx, before any stage was submitted: no account.
 * - `uncertain`: a stage was submitted and no clear answer came back: the
 *   account may exist.
 */
export type RegisterFailureKind =
  "refused" | "token_rejected" | "unsupported" | "unavailable" | "uncertain";

export interface RegisterFailure {
  readonly kind: RegisterFailureKind;
  readonly status?: number;
  readonly errcode?: string;
  /** The homeserver's own words when it gave any; for people, trimmed. */
  readonly message: string;
  readonly retryAfterMs?: number;
}

export type RegisterOutcome =
  | { readonly ok: true; readonly account: Account }
  | { readonly ok: false; readonly failure: RegisterFailure };

export async function registerAccount(
  http: MatrixHttp,
  request: RegisterRequest,
): Promise<RegisterOutcome> {
  const body = {
    username: request.username,
    password: request.password,
    initial_device_display_name: request.deviceName,
  };
  let answer: MatrixAnswer;
  try {
    answer = await http.request("POST", REGISTER, body);
  } catch (error) {
    return failed("unavailable", { message: (error as Error).message });
  }
  if (answer.status === 200) return registered(answer);
  if (answer.status !== 401) return refusedOrUnavailable(answer, false);

  const flow = chooseFlow(answer.json.flows);
  if (flow === undefined) {
    return failed("unsupported", {
      message: `the homeserver offers no registration flow anteroom can complete (${describeFlows(answer.json.flows)})`,
    });
  }
  let session = typeof answer.json.session === "string" ? answer.json.session : undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const completed = stringList(answer.json.completed);
    const stage = flow.find((s) => !completed.includes(s));
    if (stage === undefined) {
      return failed("unsupported", {
        message: `the homeserver still asks for authentication after every stage of ${flow.join(", ")}`,
      });
    }
    const auth: Record<string, unknown> = { type: stage };
    if (session !== undefined) auth.session = session;
    if (stage !== DUMMY_STAGE) auth.token = request.registrationToken;
    try {
      answer = await http.request("POST", REGISTER, { ...body, auth });
    } catch (error) {
      const mayHaveArrived = !(error instanceof NoAnswerError) || error.mayHaveArrived;
      return failed(mayHaveArrived ? "uncertain" : "unavailable", {
        message: (error as Error).message,
      });
    }
    if (answer.status === 200) return registered(answer);
    if (answer.status !== 401) return refusedOrUnavailable(answer, true);
    if (typeof answer.json.session === "string") session = answer.json.session;
    const nowCompleted = stringList(answer.json.completed);
    if (!nowCompleted.includes(stage)) {
      // The stage itself failed: for the token stage, our token is wrong (or used up).
      return failed(stage === DUMMY_STAGE ? "unsupported" : "token_rejected", {
        status: answer.status,
        ...errcodeOf(answer),
        message: describeAnswer(answer),
      });
    }
  }
  return failed("unsupported", { message: "the homeserver's registration did not finish" });
}

/** The first offered flow made only of stages anteroom can complete. */
export function chooseFlow(flows: unknown): string[] | undefined {
  if (!Array.isArray(flows)) return undefined;
  for (const flow of flows) {
    const stages = stringList((flow as { stages?: unknown } | null)?.stages);
    if (stages.length > 0 && stages.every((stage) => SUPPORTED.has(stage))) return stages;
  }
  return undefined;
}

function registered(answer: MatrixAnswer): RegisterOutcome {
  const { user_id: userId, access_token: accessToken, device_id: deviceId } = answer.json;
  if (typeof userId !== "string") {
    return failed("uncertain", { message: "the homeserver answered 200 without a user_id" });
  }
  return {
    ok: true,
    account: {
      userId,
      accessToken: typeof accessToken === "string" ? accessToken : "",
      deviceId: typeof deviceId === "string" ? deviceId : "",
    },
  };
}

/** A 4xx is the homeserver's clear no; anything else may or may not have made the account. */
function refusedOrUnavailable(answer: MatrixAnswer, afterStage: boolean): RegisterOutcome {
  if (answer.status >= 400 && answer.status < 500) {
    const error = typeof answer.json.error === "string" ? answer.json.error.slice(0, 300) : "";
    return failed("refused", {
      status: answer.status,
      ...errcodeOf(answer),
      message: error || describeAnswer(answer),
      ...(answer.retryAfterMs === undefined ? {} : { retryAfterMs: answer.retryAfterMs }),
    });
  }
  return failed(afterStage ? "uncertain" : "unavailable", {
    status: answer.status,
    message: describeAnswer(answer),
  });
}

function failed(
  kind: RegisterFailureKind,
  detail: Omit<RegisterFailure, "kind">,
): { ok: false; failure: RegisterFailure } {
  return { ok: false, failure: { kind, ...detail } };
}

function errcodeOf(answer: MatrixAnswer): { errcode?: string } {
  const errcode = answer.json.errcode;
  return typeof errcode === "string" && /^[A-Za-z0-9_.]{1,64}$/.test(errcode) ? { errcode } : {};
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function describeFlows(flows: unknown): string {
  if (!Array.isArray(flows) || flows.length === 0) return "no flows";
  return flows
    .map((flow) => stringList((flow as { stages?: unknown } | null)?.stages).join(" → "))
    .join("; ");
}
