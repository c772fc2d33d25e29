// The Codes view's homeserver registration tokens: listed beside the codes, issued
// with uses and a lifetime, revoked after a Cancel-focused confirmation, copied.
import "./ci-off.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import type { RegistrationToken } from "../../core/ports.js";
import type {
  ModerationApi,
  TokenIssued,
  TokenListing,
  TokenRequest,
} from "../../core/moderation-api.js";
import { openConsole } from "./console-harness.js";

const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const NOW = 1_700_000_000_000; // the World's clock
const HOUR = 3_600_000;

/** The homeserver's tokens in memory, as the admin API would give them; records every change. */
class FakeTokens {
  tokens: RegistrationToken[] = [
    {
      token: "abcDEF123-xyz.~Q",
      usesAllowed: 5,
      pending: 1,
      completed: 2,
      expiresAt: NOW + 48 * HOUR,
    },
    { token: "zz-spent", usesAllowed: 1, pending: 0, completed: 1, expiresAt: null },
  ];
  readonly calls: string[] = [];
  /** Set to make the homeserver refuse everything, as Synapse does for a bot that is not an admin. */
  refusal: string | undefined;
  private next = 0;

  registrationTokens = async (): Promise<TokenListing> =>
    this.refusal ? { ok: false, error: this.refusal } : { ok: true, tokens: this.tokens };

  issueToken = async (request: TokenRequest): Promise<TokenIssued> => {
    this.calls.push(`issue ${JSON.stringify(request)}`);
    if (this.refusal) return { ok: false, error: this.refusal };
    const token: RegistrationToken = {
      token: `new-token-${++this.next}`,
      usesAllowed: request.uses ?? null,
      pending: 0,
      completed: 0,
      expiresAt: request.expiresAt ?? null,
    };
    this.tokens = [...this.tokens, token];
    return { ok: true, token };
  };

  revokeToken = async (token: string) => {
    this.calls.push(`revoke ${token}`);
    const before = this.tokens.length;
    this.tokens = this.tokens.filter((t) => t.token !== token);
    return this.tokens.length < before
      ? ({ ok: true, summary: `revoked registration token ${token}` } as const)
      : ({ ok: false, error: "no such registration token" } as const);
  };

  /** The Codes view reaches only the token methods; the blocklist and members are other tests'. */
  get api(): ModerationApi {
    return this as unknown as ModerationApi;
  }
}

test("the Codes view lists the homeserver's tokens with their uses, pending and expiry", async (t) => {
  const tokens = new FakeTokens();
  const c = openConsole(t, { moderation: tokens.api, columns: 100 });
  c.press("3");
  const frame = await c.waitForText("zz-spent");
  assert.match(frame, /token\s+abcDEF123-xyz\.~Q\s+2\/5 used\s+1 pending · expires in 2 d/);
  assert.match(frame, /token\s+zz-spent\s+1\/1 used\s+used up · never expires/);
  assert.match(frame, /invite\s+ABC\s+5 left\s+friends/, "the codes are still there");
  assert.match(frame, /Codes 3/);
});

test("n, t issues a token with the uses and lifetime typed, shows it, and lists it", async (t) => {
  const tokens = new FakeTokens();
  const c = openConsole(t, { moderation: tokens.api });
  c.press("3");
  await c.waitForText("zz-spent");
  c.press("n");
  await c.waitForText("homeserver registration token");
  c.press("t");
  await c.waitForText("uses of the new homeserver token");
  c.press("backspace");
  c.type("3");
  c.press("enter");
  await c.waitForText("the new homeserver token works for");
  c.press("backspace", "backspace");
  c.type("12h");
  c.press("enter");
  const card = await c.waitForText("New homeserver registration token");
  assert.match(card, /token: new-token-1/);
  assert.match(card, /0\/3 used · expires in 12 h/);
  assert.deepEqual(tokens.calls, [
    `issue ${JSON.stringify({ uses: 3, expiresAt: NOW + 12 * HOUR })}`,
  ]);
  c.press("enter");
  const list = await c.waitForText("new-token-1");
  assert.match(list, /› token\s+new-token-1\s+0\/3 used/, "the new token is selected");
});

test("an empty uses and lifetime issue an unlimited token that never expires; a bad one is asked again", async (t) => {
  const tokens = new FakeTokens();
  const c = openConsole(t, { moderation: tokens.api, columns: 200 });
  c.press("3");
  await c.waitForText("zz-spent");
  c.press("n", "t");
  await c.waitForText("uses of the new homeserver token");
  c.press("backspace");
  c.type("zero");
  c.press("enter");
  await c.waitForText("uses must be 1–1000000, or empty for no limit");
  c.press("\x15"); // C-u clears the field
  c.press("enter");
  await c.waitForText("the new homeserver token works for");
  c.press("\x15");
  c.type("forever");
  c.press("enter");
  await c.waitForText("a lifetime is 1m to 366d");
  assert.deepEqual(tokens.calls, [], "nothing issued from a bad value");
  c.press("\x15", "enter");
  const card = await c.waitForText("New homeserver registration token");
  assert.match(card, /0\/∞ used · never expires/);
  assert.deepEqual(tokens.calls, ["issue {}"]);
});

test("r on a token asks with Cancel focused; Enter keeps it, confirming revokes it", async (t) => {
  const tokens = new FakeTokens();
  const c = openConsole(t, { moderation: tokens.api });
  c.press("3");
  await c.waitForText("zz-spent");
  c.press("G"); // the last row: zz-spent
  c.press("r");
  await c.waitForText("Revoke the homeserver token zz-spent?");
  c.press("enter");
  await c.waitForText("cancelled");
  assert.deepEqual(tokens.calls, []);
  c.press("r");
  await c.waitForText("Revoke the homeserver token zz-spent?");
  c.press("tab", "enter");
  await c.waitForText("revoked registration token zz-spent");
  await c.waitFor("zz-spent gone", (f) => !f.includes("zz-spent ") && /Codes 2/.test(f));
  assert.deepEqual(tokens.calls, ["revoke zz-spent"]);
});

test("y copies the token itself (OSC 52); Enter shows it in full, and y there copies it too", async (t) => {
  const tokens = new FakeTokens();
  const c = openConsole(t, { moderation: tokens.api });
  c.press("3");
  await c.waitForText("zz-spent");
  c.press("j"); // past the code ABC, onto the first token
  c.press("y");
  await c.waitForText("copied the homeserver token to your clipboard");
  assert.deepEqual(c.terminalWrites, [`\x1b]52;c;${base64("abcDEF123-xyz.~Q")}\x07`]);
  c.press("enter");
  await c.waitForText("Homeserver registration token");
  c.press("y");
  await c.until("a second copy", () => c.terminalWrites.length === 2);
  assert.equal(c.terminalWrites[1], c.terminalWrites[0]);
  c.press("esc");
  await c.waitForText("Codes 3");
});

test("when the homeserver will not give tokens the view says why, and the codes still work", async (t) => {
  const tokens = new FakeTokens();
  tokens.refusal = "the bot is not a server admin: You are not a server admin";
  const c = openConsole(t, { moderation: tokens.api, columns: 120 });
  c.press("3");
  const frame = await c.waitForText(
    "Homeserver tokens not available: the bot is not a server admin",
  );
  assert.match(frame, /invite\s+ABC\s+5 left/);
  assert.ok(!frame.includes("zz-spent"));
  c.press("n", "t");
  await c.waitForText("uses of the new homeserver token");
  c.press("enter");
  await c.waitForText("the new homeserver token works for");
  c.press("enter");
  await c.waitForText("new homeserver token refused: the bot is not a server admin");
});

test("Ctrl+R fetches the tokens again", async (t) => {
  const tokens = new FakeTokens();
  const c = openConsole(t, { moderation: tokens.api });
  c.press("3");
  await c.waitForText("zz-spent");
  tokens.tokens = [
    ...tokens.tokens,
    { token: "made-elsewhere", usesAllowed: null, pending: 0, completed: 0, expiresAt: null },
  ];
  c.press("\x12"); // Ctrl+R
  await c.waitForText("made-elsewhere");
});

test("read-only: tokens are listed and copied, but neither issued nor revoked", async (t) => {
  const tokens = new FakeTokens();
  const c = openConsole(t, { moderation: tokens.api, readonly: true });
  c.press("3");
  await c.waitForText("zz-spent");
  c.press("G", "r");
  await c.waitForText("can't revoke: read-only");
  c.press("n");
  await c.waitForText("can't new code: read-only");
  c.press("y");
  await c.waitForText("copied the homeserver token");
  assert.deepEqual(tokens.calls, []);
});

test("without moderation the codes work as before and Ctrl+R says tokens are not available", async (t) => {
  const c = openConsole(t);
  c.press("3");
  const frame = await c.waitForText("ABC");
  assert.ok(
    !frame.includes("Homeserver tokens not available"),
    "no complaint where none was asked",
  );
  c.press("\x12");
  await c.waitForText("can't fetch tokens: not available in this console");
  c.press("n", "t");
  await c.waitForText("homeserver tokens: not available in this console");
});
