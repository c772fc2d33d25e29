import { test } from "node:test";
import assert from "node:assert/strict";
import {
  SseParser,
  encodeSseComment,
  encodeSseEvent,
  type SseEvent,
} from "../../src/control/sse.js";

function parseAll(chunks: string[]): { events: SseEvent[]; comments: string[]; parser: SseParser } {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const parser = new SseParser(
    (event) => events.push(event),
    (text) => comments.push(text),
  );
  for (const chunk of chunks) parser.feed(chunk);
  return { events, comments, parser };
}

test("an encoded event parses back to itself, multi-line data included", () => {
  const text =
    encodeSseEvent({ event: "record", id: 7, data: '{"a":1}' }) +
    encodeSseComment("heartbeat") +
    encodeSseEvent({ data: "line one\nline two\r\nline three" });
  const { events, comments, parser } = parseAll([text]);
  assert.deepEqual(events, [
    { event: "record", data: '{"a":1}', id: "7" },
    { event: "message", data: "line one\nline two\nline three" },
  ]);
  assert.deepEqual(comments, ["heartbeat"]);
  assert.equal(parser.lastEventId, "7");
});

test("the parser copes with any split of the stream, one character at a time included", () => {
  const text =
    "event: a\r\nid: 1\r\ndata: x\r\n\r\n" + "event: b\rdata: y\r\r" + "event: c\ndata:z\ndata\n\n";
  const expected = [
    { event: "a", data: "x", id: "1" },
    { event: "b", data: "y" },
    { event: "c", data: "z\n" },
  ];
  assert.deepEqual(parseAll([text]).events, expected);
  assert.deepEqual(parseAll([...text]).events, expected);
  for (let cut = 1; cut < text.length; cut++) {
    assert.deepEqual(
      parseAll([text.slice(0, cut), text.slice(cut)]).events,
      expected,
      `cut at ${cut}`,
    );
  }
});

test("an event without data, or not ended by a blank line, is not dispatched", () => {
  const { events, parser } = parseAll(["event: nothing\n\n", "retry: 100\n\n", "data: half"]);
  assert.deepEqual(events, []);
  parser.end();
  parser.feed("data: next\n\n");
  assert.deepEqual(events, [{ event: "message", data: "next" }]);
});

test("only one space after the colon is dropped; unknown fields are ignored", () => {
  const { events } = parseAll(["data:  two spaces\nfoo: bar\nevent:x\n\n"]);
  assert.deepEqual(events, [{ event: "x", data: " two spaces" }]);
});

test("names and ids cannot break the framing", () => {
  const text = encodeSseEvent({ event: "a\nevent: b", id: "1\n2", data: "d" });
  assert.deepEqual(parseAll([text]).events, [{ event: "a event: b", data: "d", id: "1 2" }]);
});

test("an endless line is refused instead of growing memory", () => {
  const parser = new SseParser(() => {}, undefined, 100);
  assert.throws(() => parser.feed("data: " + "x".repeat(200)), /longer than 100/);
});
