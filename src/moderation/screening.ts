/**
 * The one screening every door asks: the blocklist in the data dir first (the
 * operator's own word), then the subscribed policy lists. Built on one
 * BlocklistStore, so a `!block`, an admin API call and a hand edit are all
 * seen by the next knock.
 */
import {
  emptyPolicyRules,
  matchPolicyRules,
  type PolicyRules,
} from "../../core/moderation/policy-rules.js";
import type { Screen, ScreenHit } from "../../core/moderation/screening.js";
import type { BlocklistStore } from "../store/blocklist-store.js";

export class Screening {
  /** Replaced as a whole by the policy subscriptions (applyPolicyEvent returns a new map). */
  policyRules: PolicyRules = emptyPolicyRules();

  constructor(readonly blocklist: BlocklistStore) {}

  readonly screen: Screen = (candidate): ScreenHit | undefined => {
    const blocked = this.blocklist.match({
      userId: candidate.userId,
      ...(candidate.displayName ? { displayName: candidate.displayName } : {}),
    });
    if (blocked) {
      // Folding alone (leet, look-alikes, a digit suffix) is a disguise; edits are a guess.
      const guess = blocked.fuzzy !== undefined && blocked.fuzzy.distance > 0;
      return { source: "blocklist", explanation: blocked.explanation, ...(guess ? { guess } : {}) };
    }
    const ruled = matchPolicyRules(this.policyRules, { userId: candidate.userId });
    return ruled ? { source: "policy", explanation: ruled.explanation } : undefined;
  };
}
