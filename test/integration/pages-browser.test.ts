// The sidecar's pages in a real headless Chromium against the real daemon and Synapse: a
// newcomer opens the signup link, fills the form, and gets an account that logs in — with
// JavaScript and without it; and opens the join link, presses the button, and gets a room link.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { MatrixUserClient } from "../harness/newcomer.js";
import { launchBrowser, type TestBrowser } from "../harness/browser.js";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;
const browsers: TestBrowser[] = [];

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 1 });
  daemon = await TestDaemon.start(hs, community, {
    env: {
      REGISTRATION_TOKEN: hs.registrationToken,
      INITIAL_SIGNUP_CODES: JSON.stringify({ PAGES: { uses_remaining: 5, label: "pages" } }),
      INITIAL_CODES: JSON.stringify({ LOBBY: { uses_remaining: 5, label: "pages" } }),
      HS_PUBLIC: "https://chat.example.test",
      COMMUNITY_NAME: "Haiku Friends",
    },
  });
});

after(async () => {
  await Promise.all(browsers.map((b) => b.close()));
  await daemon?.stop();
  await hs?.stop();
});

async function openPage(javaScript: boolean): Promise<{ page: Page; problems: string[] }> {
  const browser = await launchBrowser({ javaScript });
  browsers.push(browser);
  const page = await browser.context.newPage();
  // Anything the browser complains about (a script blocked by the CSP, a page error) fails the test.
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  return { page, problems };
}

async function usesLeft(code: string, file = "signup_codes.json"): Promise<number | undefined> {
  const book = JSON.parse(await readFile(join(daemon.dataDir, file), "utf8")) as Record<
    string,
    { uses_remaining: number }
  >;
  return book[code]?.uses_remaining;
}

async function login(user: string, password: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${hs.url}/_matrix/client/v3/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      type: "m.login.password",
      identifier: { type: "m.id.user", user },
      password,
    }),
  });
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(res.status, 200, `logging in as ${user}: ${JSON.stringify(body)}`);
  return body;
}

/** Opens the signup link, fills the form as a person would, submits, and reads the user ID shown. */
async function signUpThroughPage(page: Page, name: string, password: string): Promise<string> {
  await page.goto(`${daemon.url}/signup?code=PAGES`);
  assert.equal(await page.getByLabel("Signup code").inputValue(), "PAGES", "the code is prefilled");
  await page.getByLabel("Username").fill(name);
  await page.getByLabel("Password").fill(password);
  await page.getByLabel("Display name").fill("Page Person");
  await page.getByRole("button", { name: "Create my account" }).click();
  await page.getByRole("heading", { name: "Your account is ready" }).waitFor({ timeout: 60_000 });
  return (await page.getByRole("status").locator("code").innerText()).trim();
}

for (const javaScript of [true, false]) {
  test(`the signup page makes an account that logs in (JavaScript ${javaScript ? "on" : "off"})`, async () => {
    const { page, problems } = await openPage(javaScript);
    const name = `page-${javaScript ? "js" : "nojs"}-${randomBytes(3).toString("hex")}`;
    const password = `pw-${randomBytes(8).toString("hex")}`;
    const before = await usesLeft("PAGES");

    const shown = await signUpThroughPage(page, name, password);
    const userId = `@${name}:${hs.serverName}`;
    assert.equal(shown, userId);
    assert.match(await page.content(), /https:\/\/chat\.example\.test/, "where to log in");
    assert.deepEqual(problems, [], "no console errors or CSP violations");

    const session = await login(name, password);
    assert.equal(session.user_id, userId);
    assert.equal(await community.botClient.membership(community.spaceId, userId), "join");
    assert.equal(await usesLeft("PAGES"), (before ?? 0) - 1);
  });
}

test("a wrong code in the page shows why, keeps what was typed, and spends nothing", async () => {
  const { page, problems } = await openPage(true);
  const before = await usesLeft("PAGES");
  await page.goto(`${daemon.url}/signup?code=NOPE`);
  const name = `wrong-${randomBytes(3).toString("hex")}`;
  await page.getByLabel("Username").fill(name);
  await page.getByLabel("Password").fill("a good password");
  await page.getByRole("button", { name: "Create my account" }).click();
  const alert = page.getByRole("alert");
  await alert.waitFor({ timeout: 30_000 });
  assert.match(await alert.innerText(), /unknown, used up or expired/);
  assert.equal(await page.getByLabel("Username").inputValue(), name);
  assert.equal(await page.getByLabel("Password").inputValue(), "", "the password is not sent back");
  // The browser notes the 403 itself; anything else would be a fault of the page.
  assert.deepEqual(
    problems.filter((p) => !/^Failed to load resource: .* 403/.test(p)),
    [],
  );
  assert.equal(await usesLeft("PAGES"), before);
});

for (const javaScript of [true, false]) {
  test(`the join page's button gives a room link that works (JavaScript ${javaScript ? "on" : "off"})`, async () => {
    const { page, problems } = await openPage(javaScript);
    const before = await usesLeft("LOBBY", "codes.json");
    await page.goto(`${daemon.url}/join?code=LOBBY`);
    assert.equal(await usesLeft("LOBBY", "codes.json"), before, "opening the page spends nothing");
    await page.getByRole("button", { name: "Make my room" }).click();
    const link = page.locator("#room-link");
    await link.waitFor({ timeout: 60_000 });
    const href = (await link.getAttribute("href")) ?? "";
    const match = /^https:\/\/matrix\.to\/#\/(#[^/?]+)$/.exec(href);
    assert.ok(match?.[1], `a matrix.to link to a room alias, not ${href}`);
    assert.deepEqual(problems, [], "no console errors or CSP violations");
    assert.equal(await usesLeft("LOBBY", "codes.json"), (before ?? 0) - 1);

    // The link leads somewhere: a newcomer can join the room it names.
    const newcomer = new MatrixUserClient(hs.url, await hs.registerUser());
    const roomId = await newcomer.join(decodeURIComponent(match[1]));
    assert.match(roomId, /^!/);
  });
}

for (const javaScript of [true, false]) {
  test(`the join page shows the code to copy and a link to knock on the space with it (JavaScript ${javaScript ? "on" : "off"})`, async () => {
    const { page, problems } = await openPage(javaScript);
    await page.goto(`${daemon.url}/join?code=LOBBY`);
    await page.getByRole("heading", { name: "Join Haiku Friends" }).waitFor();
    assert.equal(await page.locator("#the-code").innerText(), "LOBBY");
    const knock = page.locator("#knock-link");
    const href = (await knock.getAttribute("href")) ?? "";
    const spaceId = decodeURIComponent(
      /^https:\/\/matrix\.to\/#\/([^?]+)\?via=/.exec(href)?.[1] ?? "",
    );
    assert.equal(spaceId, community.spaceId, `the knock link opens the space: ${href}`);
    assert.ok(href.endsWith(`via=${hs.serverName}`), "through the bot's server");
    const copy = page.getByRole("button", { name: "Copy the code" });
    if (javaScript) {
      await page.context().grantPermissions(["clipboard-read", "clipboard-write"], {
        origin: daemon.url,
      });
      await copy.click();
      await page.getByRole("button", { name: "Copied" }).waitFor();
      assert.equal(await page.evaluate("navigator.clipboard.readText()"), "LOBBY");
    } else {
      assert.equal(await copy.isVisible(), false, "no button that cannot work without JavaScript");
    }
    assert.deepEqual(problems, [], "no console errors or CSP violations");
  });
}
