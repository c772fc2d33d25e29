/**
 * A form service's webhook, read as a request to join: which Matrix ID it
 * names, and whether its honeypot field was filled. Pure and defensive: the
 * payload is whatever the internet sent, so nothing here trusts its shape.
 *
 * Shapes understood (the field is found by key, ref, id or label, ignoring case):
 * - Tally: `{data: {fields: [{key, label, type, value}]}}`
 * - Typeform: `{form_response: {answers: [{field: {id, ref}, type, text…}],
 *   definition: {fields: [{id, ref, title}]}}}` (the title is the label)
 * - anything else: a flat object, `{mxid: "@a:b"}` or `{"Matrix ID": "@a:b"}`
 */
import { MAX_USER_ID_LENGTH, parseUserId } from "../moderation/matrix-ids.js";

export interface FormFieldSettings {
  /** The field carrying the Matrix ID: a key, ref, id or label. */
  readonly mxidField: string;
  /** A field people never see; a value in it means a bot filled the form. */
  readonly honeypotField?: string;
}

export type FormReading =
  | { readonly ok: true; readonly honeypot: true; readonly service: string }
  | { readonly ok: true; readonly honeypot: false; readonly user: string; readonly service: string }
  | { readonly ok: false; readonly error: "missing_mxid" | "bad_mxid"; readonly message: string };

/** One answer as the service sent it, under every name it can be asked for by. */
interface Answer {
  readonly names: readonly string[];
  readonly value: unknown;
}

export function readFormRequest(payload: unknown, settings: FormFieldSettings): FormReading {
  const { service, answers } = answersOf(payload);
  if (settings.honeypotField && hasValue(find(answers, settings.honeypotField))) {
    return { ok: true, honeypot: true, service };
  }
  const raw = textOf(find(answers, settings.mxidField));
  if (raw === undefined || !raw.trim()) {
    return {
      ok: false,
      error: "missing_mxid",
      message: `The form did not carry a Matrix ID in the field "${settings.mxidField}".`,
    };
  }
  const user = normaliseUserId(raw);
  if (!user) {
    return {
      ok: false,
      error: "bad_mxid",
      message: "That is not a Matrix ID; write it as @name:server.org.",
    };
  }
  return { ok: true, honeypot: false, user, service };
}

/** Ids longer than this are not a service's: the body's hash stands in for them. */
const MAX_SUBMISSION_ID_LENGTH = 200;

/**
 * The id the form service gave this submission, prefixed by the service: Tally's `eventId` (or
 * `data.responseId`), Typeform's `event_id` (or `form_response.token`). Undefined for a plain
 * form, which has none: the caller then goes by the body itself. A retry or a replay of the same
 * submission carries the same id.
 */
export function submissionIdOf(payload: unknown): string | undefined {
  if (!isObject(payload)) return undefined;
  const pick = (service: string, ...ids: unknown[]): string | undefined => {
    const id = ids.find(
      (value): value is string =>
        typeof value === "string" && value !== "" && value.length <= MAX_SUBMISSION_ID_LENGTH,
    );
    return id === undefined ? undefined : `${service}:${id}`;
  };
  if (isObject(payload.data) && Array.isArray(payload.data.fields))
    return pick("tally", payload.eventId, payload.data.responseId);
  if (isObject(payload.form_response))
    return pick("typeform", payload.event_id, payload.form_response.token);
  return undefined;
}

/**
 * A user ID as people type it into a form: surrounding blanks dropped, a
 * missing "@" added. Anything with control or non-ASCII characters, too long,
 * or not `@localpart:server` is refused.
 */
export function normaliseUserId(raw: string): string | undefined {
  const trimmed = raw.trim();
  // Checked before anything else: a control character must never reach a log or the console.
  if (!/^[\x21-\x7e]+$/.test(trimmed)) return undefined;
  const user = trimmed.startsWith("@") ? trimmed : `@${trimmed}`;
  if (user.length > MAX_USER_ID_LENGTH) return undefined;
  return parseUserId(user) ? user : undefined;
}

function answersOf(payload: unknown): { service: string; answers: Answer[] } {
  if (!isObject(payload)) return { service: "unknown", answers: [] };
  const tally = isObject(payload.data) ? payload.data.fields : undefined;
  if (Array.isArray(tally)) return { service: "tally", answers: tally.flatMap(tallyAnswer) };
  const response = payload.form_response;
  if (isObject(response) && Array.isArray(response.answers)) {
    return { service: "typeform", answers: typeformAnswers(response) };
  }
  return {
    service: "plain",
    answers: Object.entries(payload).map(([name, value]) => ({ names: [name], value })),
  };
}

function tallyAnswer(field: unknown): Answer[] {
  if (!isObject(field)) return [];
  return [{ names: strings(field.key, field.label), value: field.value }];
}

function typeformAnswers(response: Record<string, unknown>): Answer[] {
  const definition = isObject(response.definition) ? response.definition.fields : undefined;
  const titles = new Map<string, string>();
  for (const field of Array.isArray(definition) ? definition : []) {
    if (isObject(field) && typeof field.id === "string" && typeof field.title === "string")
      titles.set(field.id, field.title);
  }
  return (response.answers as unknown[]).flatMap((answer): Answer[] => {
    if (!isObject(answer) || !isObject(answer.field)) return [];
    const { id, ref } = answer.field;
    const title = typeof id === "string" ? titles.get(id) : undefined;
    // The answer sits under its type's name: text, email, url, number, choice…
    const type = typeof answer.type === "string" ? answer.type : "text";
    return [{ names: strings(ref, id, title), value: answer[type] }];
  });
}

function find(answers: readonly Answer[], wanted: string): unknown {
  const folded = wanted.trim().toLowerCase();
  return answers.find((answer) => answer.names.some((name) => name.trim().toLowerCase() === folded))
    ?.value;
}

/** A honeypot counts as filled by anything but nothing: a blank, null, false or an empty list. */
function hasValue(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (typeof value === "string") return value.trim() !== "";
  if (Array.isArray(value)) return value.some(hasValue);
  return true;
}

function textOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  // Some services wrap a single answer in a list.
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === "string") return value[0];
  return undefined;
}

function strings(...values: unknown[]): string[] {
  return values.filter((value): value is string => typeof value === "string");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
