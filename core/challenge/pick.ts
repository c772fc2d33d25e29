import { TOPICS } from "./topics.js";

export interface Challenge {
  readonly topic: string;
  readonly keyword: string;
}

/** A topic and one of its keywords, chosen with the caller's randomness (a number in [0, 1)). */
export function pickChallenge(random: () => number): Challenge {
  const entry = TOPICS[Math.floor(random() * TOPICS.length)] ?? TOPICS[0];
  if (!entry) throw new Error("the topic corpus is empty");
  const keyword = entry.keywords[Math.floor(random() * entry.keywords.length)] ?? entry.keywords[0];
  return { topic: entry.topic, keyword: keyword ?? "haiku" };
}
