/**
 * Subscribed Matrix policy lists (the format Draupnir and Mjolnir publish),
 * read-only. A policy list is a room whose state holds rules:
 *
 *   type: m.policy.rule.user | m.policy.rule.server   (also the older
 *         m.room.rule.* and org.matrix.mjolnir.rule.* names of the same events)
 *   state_key: any string; with the type, it names the rule
 *   content: { entity: "@*:evil.org", recommendation: "m.ban", reason: "spam" }
 *
 * `entity` is a glob in the spec's sense (`*`, `?`). A later event in the same
 * slot (type + state_key) replaces the rule; empty content — or anything that is
 * not a ban — means the rule is gone. User rules match the user ID; server
 * rules match the user's server name. Room rules say nothing about people and
 * are not kept. Rules with hashed entities (no plain `entity`) are skipped.
 *
 * Everything in a policy room is someone else's data: each field is checked,
 * and a malformed event removes its slot's rule rather than failing.
 */
import { matrixGlob, parseUserId } from "./matrix-ids.js";

export type PolicyTarget = "user" | "server";

const EVENT_TARGETS: Record<string, PolicyTarget> = {
  "m.policy.rule.user": "user",
  "m.room.rule.user": "user",
  "org.matrix.mjolnir.rule.user": "user",
  "m.policy.rule.server": "server",
  "m.room.rule.server": "server",
  "org.matrix.mjolnir.rule.server": "server",
};

const BAN_RECOMMENDATIONS = new Set(["m.ban", "org.matrix.mjolnir.ban"]);

const MAX_ENTITY_LENGTH = 1000;
const MAX_REASON_IN_EXPLANATION = 200;

export interface PolicyRule {
  /** The policy list (room) the rule comes from. */
  listId: string;
  eventType: string;
  stateKey: string;
  target: PolicyTarget;
  entity: string;
  reason: string;
  recommendation: string;
  /** The compiled entity glob; rules are rebuilt from room state, never stored. */
  matcher: RegExp;
}

/** Every rule of every subscribed list, keyed by list, event type and state key. */
export type PolicyRules = ReadonlyMap<string, PolicyRule>;

export function emptyPolicyRules(): PolicyRules {
  return new Map();
}

/** A state event as it comes from sync or /state; all fields are untrusted. */
export interface PolicyStateEvent {
  type: unknown;
  state_key?: unknown;
  content?: unknown;
}

/** Whether an event type is a policy rule anteroom reads (the engine's sync filter can use it). */
export function isPolicyRuleType(eventType: unknown): boolean {
  return typeof eventType === "string" && eventType in EVENT_TARGETS;
}

export const POLICY_RULE_EVENT_TYPES: readonly string[] = Object.keys(EVENT_TARGETS);

function slotKey(listId: string, eventType: string, stateKey: string): string {
  return JSON.stringify([listId, eventType, stateKey]);
}

/** The rule an event states, or undefined when its content holds no ban rule. */
function ruleFromEvent(
  listId: string,
  eventType: string,
  stateKey: string,
  content: unknown,
): PolicyRule | undefined {
  const target = EVENT_TARGETS[eventType];
  if (target === undefined || typeof content !== "object" || content === null) return undefined;
  const { entity, recommendation, reason } = content as Record<string, unknown>;
  if (typeof entity !== "string" || entity.length === 0 || entity.length > MAX_ENTITY_LENGTH)
    return undefined;
  if (typeof recommendation !== "string" || !BAN_RECOMMENDATIONS.has(recommendation))
    return undefined;
  // A rule of wildcards only would ban the whole federation: certainly a mistake upstream.
  if (/^[*?]*$/.test(entity)) return undefined;
  return {
    listId,
    eventType,
    stateKey,
    target,
    entity,
    reason: typeof reason === "string" ? reason : "",
    recommendation,
    matcher: matrixGlob(entity),
  };
}

/**
 * The rules after one state event of a policy list (live from sync, or from
 * the room's state at start). Returns the same map when nothing changed.
 */
export function applyPolicyEvent(
  rules: PolicyRules,
  listId: string,
  event: PolicyStateEvent,
): PolicyRules {
  const { type, state_key: stateKey } = event;
  if (typeof type !== "string" || !(type in EVENT_TARGETS) || typeof stateKey !== "string")
    return rules;
  const key = slotKey(listId, type, stateKey);
  const rule = ruleFromEvent(listId, type, stateKey, event.content);
  const before = rules.get(key);
  if (rule === undefined) {
    if (before === undefined) return rules;
    const next = new Map(rules);
    next.delete(key);
    return next;
  }
  if (before && sameRule(before, rule)) return rules;
  return new Map(rules).set(key, rule);
}

function sameRule(a: PolicyRule, b: PolicyRule): boolean {
  return a.entity === b.entity && a.reason === b.reason && a.recommendation === b.recommendation;
}

/** Replaces everything known of one list with its current state (a fresh subscription, a resync). */
export function replacePolicyList(
  rules: PolicyRules,
  listId: string,
  state: readonly PolicyStateEvent[],
): PolicyRules {
  let next: PolicyRules = dropPolicyList(rules, listId);
  for (const event of state) next = applyPolicyEvent(next, listId, event);
  return next;
}

/** Forgets a list (unsubscribed, or the bot was removed from it). */
export function dropPolicyList(rules: PolicyRules, listId: string): PolicyRules {
  const next = new Map([...rules].filter(([, rule]) => rule.listId !== listId));
  return next.size === rules.size ? rules : next;
}

export interface PolicyMatch {
  rule: PolicyRule;
  /** "policy list !abc:example.org: rule @*:evil.org (spam)". */
  explanation: string;
}

/**
 * The first ban rule that covers this user: user rules on the user ID, server
 * rules on the user's server name (with and without its port). Undefined when
 * none does or the user ID is not valid.
 */
export function matchPolicyRules(
  rules: PolicyRules,
  candidate: { userId: string },
): PolicyMatch | undefined {
  const parts = parseUserId(candidate.userId);
  if (!parts) return undefined;
  for (const rule of rules.values()) {
    const hit =
      rule.target === "user"
        ? rule.matcher.test(candidate.userId)
        : rule.matcher.test(parts.server) || rule.matcher.test(parts.host);
    if (hit) return { rule, explanation: explainRule(rule) };
  }
  return undefined;
}

function explainRule(rule: PolicyRule): string {
  const kind = rule.target === "user" ? "rule" : "server rule";
  const reason = rule.reason.trim().slice(0, MAX_REASON_IN_EXPLANATION);
  return `policy list ${rule.listId}: ${kind} ${rule.entity}${reason ? ` (${reason})` : ""}`;
}
