import { test } from "node:test";
import assert from "node:assert/strict";
import { sanitize } from "../../ui/sanitize.js";

const ESC = "\x1b";
const BEL = "\x07";

/** Nothing a terminal would act on: no C0 but newline, no DEL, no C1, no bidi control. */
function assertInert(text: string): void {
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(text, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/, JSON.stringify(text));
  assert.doesNotMatch(text, /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/, JSON.stringify(text));
}

test("OSC 0 (window title) is removed with its payload, BEL- or ST-terminated", () => {
  assert.equal(sanitize(`Mallory${ESC}]0;you have been pwned${BEL}!`), "Mallory!");
  assert.equal(sanitize(`Mallory${ESC}]2;title${ESC}\\!`), "Mallory!");
  assert.equal(sanitize(`a\x9d0;c1 title\x9cb`), "ab");
});

test("OSC 52 (clipboard write) is removed with its payload", () => {
  const out = sanitize(`hi${ESC}]52;c;Y3VybCBldmlsLnNoIHwgc2g=${BEL}there`);
  assert.equal(out, "hithere");
  assert.doesNotMatch(out, /Y3Vy/);
});

test("an unterminated OSC runs to the end of the string, as a terminal would read it", () => {
  assert.equal(sanitize(`name${ESC}]8;;https://evil.example/${ESC}`), "name");
});

test("OSC 8 hyperlinks lose the link and keep the visible text", () => {
  assert.equal(
    sanitize(`${ESC}]8;;https://evil.example${ESC}\\click me${ESC}]8;;${ESC}\\`),
    "click me",
  );
});

test("CSI sequences go as a whole: colours, cursor moves, screen clears, mode changes", () => {
  assert.equal(sanitize(`${ESC}[31mred${ESC}[0m`), "red");
  assert.equal(sanitize(`a${ESC}[2J${ESC}[H${ESC}[10;20Hb`), "ab");
  assert.equal(sanitize(`a${ESC}[?1049l${ESC}[?25lb`), "ab");
  assert.equal(sanitize(`a\x9b31mb`), "ab");
});

test("other escapes (reset, charset, keypad) and a lone ESC go too", () => {
  assert.equal(sanitize(`a${ESC}cb${ESC}(0c${ESC}=d${ESC}`), "abcd");
});

test("DCS, APC, PM and SOS strings are removed with their payload", () => {
  assert.equal(sanitize(`a${ESC}Pq#0;2;0;0;0${ESC}\\b`), "ab");
  assert.equal(sanitize(`a${ESC}_Gf=100;AAAA${ESC}\\b`), "ab");
  assert.equal(sanitize(`a${ESC}^pm${ESC}\\b${ESC}Xsos${ESC}\\c`), "abc");
});

test("BEL, NUL, backspace, DEL and C1 controls show as a replacement character", () => {
  assert.equal(sanitize(`ding${BEL}`), "ding\ufffd");
  assert.equal(sanitize("a\x00b\x08c\x7fd\x85e\x80z"), "a\ufffdb\ufffdc\ufffdd⏎e\ufffdz");
});

test("CR cannot overwrite the line: it is a line break, shown as ⏎ on one line", () => {
  assert.equal(sanitize("approved\rrejected"), "approved⏎rejected");
  assert.equal(sanitize("one\r\ntwo\nthree"), "one⏎two⏎three");
  assert.equal(sanitize("one\r\ntwo\rthree", { multiline: true }), "one\ntwo\nthree");
  assert.equal(sanitize("a\u2028b\u2029c"), "a⏎b⏎c");
});

test("bidi overrides, embeddings, isolates and marks are removed", () => {
  assert.equal(sanitize("admin\u202egnp.exe"), "admingnp.exe");
  assert.equal(sanitize("\u202aa\u202bb\u202cc\u202dd"), "abcd");
  assert.equal(sanitize("\u2066x\u2067y\u2068z\u2069"), "xyz");
  assert.equal(sanitize("\u200el\u200fr\u061cm"), "lrm");
});

test("zero-width tricks are removed, but ZWJ emoji and ZWNJ scripts survive", () => {
  assert.equal(sanitize("ad\u200bmin\ufeff\u2060\u00ad"), "admin");
  assert.equal(sanitize("👩\u200d💻"), "👩\u200d💻");
  assert.equal(sanitize("می\u200cخواهم"), "می\u200cخواهم");
});

test("tabs become spaces; lone surrogates become replacement characters", () => {
  assert.equal(sanitize("a\tb"), "a b");
  assert.equal(sanitize("a\ud800b"), "a\ufffdb");
});

test("ordinary text, accents and emoji pass unchanged", () => {
  const text = "Zoë — 日本語 🌸 “quotes” <b>not html</b> 100%";
  assert.equal(sanitize(text), text);
});

test("long text is cut with an ellipsis", () => {
  const out = sanitize("x".repeat(50), { max: 10 });
  assert.equal(out, "xxxxxxxxx…");
});

test("non-strings are printed safely", () => {
  assert.equal(sanitize(undefined), "");
  assert.equal(sanitize(42), "42");
  assert.equal(sanitize({ a: `${ESC}]0;t${BEL}` }), '{"a":"\\u001b]0;t\\u0007"}');
});

test("a name built to attack a terminal comes out inert", () => {
  const evil =
    `${ESC}]0;pwned${BEL}${ESC}]52;c;ZXZpbA==${BEL}${ESC}[2J${ESC}[1;1H` +
    `Mallory${BEL}\r\u202eevil${ESC}[?1049l${ESC}P+q${ESC}\\\x9b1m`;
  const out = sanitize(evil);
  assertInert(out);
  assert.equal(out, "Mallory\ufffd⏎evil");
});
