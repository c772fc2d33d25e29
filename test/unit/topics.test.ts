import { test } from "node:test";
import assert from "node:assert/strict";

import { TOPICS } from "../../core/challenge/topics.js";

const KEYWORD_RE = /^[a-z]{3,9}$/;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;

function topicWords(topic: string): string[] {
  return topic
    .toLowerCase()
    .split(/[^a-z']+/)
    .flatMap((w) => [w, w.replace(/'s$/, "")])
    .filter((w) => w.length > 0);
}

void test("corpus has at least 300 topics", () => {
  assert.ok(TOPICS.length >= 300, `only ${TOPICS.length} topics`);
});

void test("topics are unique (case-insensitive)", () => {
  const seen = new Set<string>();
  for (const { topic } of TOPICS) {
    const key = topic.trim().toLowerCase();
    assert.ok(!seen.has(key), `duplicate topic: ${topic}`);
    seen.add(key);
  }
});

void test("each topic is 2-6 words, at most 60 chars, without control characters", () => {
  for (const { topic } of TOPICS) {
    assert.equal(topic, topic.trim(), `untrimmed topic: ${JSON.stringify(topic)}`);
    assert.ok(!CONTROL_RE.test(topic), `control character in topic: ${JSON.stringify(topic)}`);
    assert.ok(topic.length <= 60, `topic too long: ${topic}`);
    const words = topic.split(/\s+/);
    assert.ok(words.length >= 2 && words.length <= 6, `topic must be 2-6 words: ${topic}`);
  }
});

void test("each topic has 2-4 well-formed, distinct keywords not found in the topic", () => {
  for (const { topic, keywords } of TOPICS) {
    assert.ok(
      keywords.length >= 2 && keywords.length <= 4,
      `topic must have 2-4 keywords: ${topic}`,
    );
    assert.equal(new Set(keywords).size, keywords.length, `duplicate keyword in: ${topic}`);
    const words = new Set(topicWords(topic));
    for (const keyword of keywords) {
      assert.match(keyword, KEYWORD_RE, `bad keyword ${JSON.stringify(keyword)} in: ${topic}`);
      assert.ok(!words.has(keyword), `keyword "${keyword}" repeats a word of: ${topic}`);
    }
  }
});
