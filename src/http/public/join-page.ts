/**
 * The landing and join pages, as HTML strings. No framework, no external
 * assets. `GET /join?code=…` explains what happens and spends nothing; its
 * button posts the form to `/join` (an answer page comes back, so it works
 * without JavaScript); with JavaScript, one small inline script (allowed by
 * its hash in the Content-Security-Policy) calls `/join/api` instead and
 * shows the link in place. Every piece of text from a request is escaped.
 */
import { escapeHtml, pageHeaders, pageShell, problemBox } from "./page-shell.js";

// Builds the answer with textContent and setAttribute only: nothing from the server becomes markup.
// The copy button shows only where the clipboard can be written; without JavaScript the code stays selectable.
const SCRIPT = `(function(){var k=document.getElementById("copy"),t=document.getElementById("the-code");if(k&&t&&navigator.clipboard){k.hidden=false;k.addEventListener("click",function(){navigator.clipboard.writeText(t.textContent).then(function(){k.textContent="Copied";},function(){k.textContent="Select the code and copy it";});});}var f=document.getElementById("join");if(!f||!window.fetch)return;var rk=(f.querySelector("input[name=request_key]")||{}).value;f.addEventListener("submit",function(e){e.preventDefault();var b=f.querySelector("button"),o=document.getElementById("outcome"),c=f.querySelector("input[name=code]").value;b.disabled=true;b.textContent="Making your room…";fetch("/join/api",{method:"POST",headers:{"content-type":"application/json"},body:JSON.stringify(rk?{code:c,request_key:rk}:{code:c})}).then(function(r){return r.json().then(function(j){return{ok:r.ok,j:j};});}).then(function(x){o.textContent="";if(x.j&&x.j.request_key)rk=x.j.request_key;var p=document.createElement("p");if(x.ok&&x.j.url){p.textContent="Your room is ready. Open it in your Matrix client and join: ";var a=document.createElement("a");a.href=x.j.url;a.textContent=x.j.alias||x.j.url;a.id="room-link";p.appendChild(a);o.appendChild(p);var n=document.createElement("p");n.textContent="A few seconds after you join, the bot posts a small challenge there.";o.appendChild(n);f.hidden=true;}else{p.textContent="That did not work: "+(x.j&&x.j.message?x.j.message:"please try again.");o.appendChild(p);b.disabled=false;b.textContent="Make my room";}o.focus();}).catch(function(){o.textContent="The request did not go through; check your connection and try again.";b.disabled=false;b.textContent="Make my room";});});})();`;

/** Headers for every page: its script may call this origin's API. */
export const JOIN_PAGE_HEADERS = pageHeaders(SCRIPT, { callsApi: true });

/** What the pages say of the community, and where a newcomer knocks (the space in a Matrix client). */
export interface CommunityFacts {
  /** COMMUNITY_NAME; pages say "the community" without it. */
  readonly name?: string;
  /** COMMUNITY_DESCRIPTION: one short paragraph. */
  readonly description?: string;
  /** A matrix.to link to the space, where a knock with the code as its reason asks to join. */
  readonly knockUrl?: string;
}

export function renderLanding(community: CommunityFacts = {}): string {
  return page(
    "Welcome",
    `<h1>Welcome${community.name ? ` to ${escapeHtml(community.name)}` : ""}</h1>
${describe(community)}<p>This is the door to a Matrix community. The people who run it hand out invite links;
if you have one, open it and follow the steps.</p>
<h2>I have an invite code</h2>
<form method="get" action="/join" accept-charset="utf-8">
  <div class="field">
    <label for="code">Invite code</label>
    <input id="code" name="code" type="text" required autocomplete="off" autocapitalize="characters" spellcheck="false">
  </div>
  <button type="submit">Continue</button>
</form>
<p>Someone gave you a signup code for an account on this community's server? <a href="/signup">Create an account</a>.</p>`,
    false,
  );
}

export function renderJoinPage(code: string | undefined, community: CommunityFacts = {}): string {
  const name = community.name ? escapeHtml(community.name) : "the community";
  return page(
    `Join ${community.name ?? "the community"}`,
    `<h1>Join ${name}</h1>
${describe(community)}${knockWay(code, community)}<h2>${community.knockUrl ? "Or: a room made for you" : "How it works"}</h2>
<p>Here is what happens when you press the button:</p>
<ol>
  <li>anteroom makes a room for you and gives you its link. This uses your invite code once.</li>
  <li>Open the link in your Matrix client (for example Element) and join the room.</li>
  <li>A few seconds later the bot posts a small challenge there: a three-line haiku about a topic, with one given word.</li>
  <li>Answer it in the room. When it passes, you are invited to the community's space and rooms.</li>
</ol>
<p>Opening this page uses nothing; only the button does. Set a display name in your Matrix client before you answer.</p>
${joinForm(code)}
<div id="outcome" role="status" aria-live="polite" tabindex="-1"></div>`,
    true,
  );
}

/** The seed's way in: the code in a box to copy, and the space to knock on with it as the reason. */
function knockWay(code: string | undefined, community: CommunityFacts): string {
  if (!community.knockUrl || !code) return "";
  return `<h2>Ask to join the space</h2>
<p>Your invite code:</p>
<p><code id="the-code" class="code-box">${escapeHtml(code)}</code> <button type="button" id="copy" hidden>Copy the code</button></p>
<ol>
  <li><a id="knock-link" href="${escapeHtml(community.knockUrl)}">Open the space in your Matrix client</a> and choose <em>Request to join</em> (a knock).</li>
  <li>Paste the code as the message of your request.</li>
  <li>The bot opens a private room for you with a small challenge; when it passes, you are let in.</li>
</ol>
`;
}

function describe(community: CommunityFacts): string {
  return community.description ? `<p class="about">${escapeHtml(community.description)}</p>\n` : "";
}

export function renderJoinDone(result: { url: string; alias: string }): string {
  return page(
    "Your room is ready",
    `<h1>Your room is ready</h1>
<p role="status">Open this link in your Matrix client and join the room:
<a id="room-link" href="${escapeHtml(result.url)}">${escapeHtml(result.alias)}</a></p>
<p>A few seconds after you join, the bot posts a small challenge there. Answer it in the room.</p>
<p>Keep this link to yourself: anyone who has it can join the room.</p>`,
    false,
  );
}

export function renderJoinProblem(
  code: string | undefined,
  problem: { error: string; message: string; requestKey?: string },
  community: CommunityFacts = {},
): string {
  return page(
    "That did not work",
    `<h1>Join ${community.name ? escapeHtml(community.name) : "the community"}</h1>
${problemBox(problem)}
${joinForm(code, problem.requestKey)}
<div id="outcome" role="status" aria-live="polite" tabindex="-1"></div>`,
    true,
  );
}

/** With the request key of a request that is still being completed, so sending the form again repeats it. */
function joinForm(code: string | undefined, requestKey?: string): string {
  const repeat =
    requestKey === undefined
      ? ""
      : `\n  <input type="hidden" name="request_key" value="${escapeHtml(requestKey)}">`;
  return `<form id="join" method="post" action="/join" accept-charset="utf-8">${repeat}
  <div class="field">
    <label for="code">Invite code</label>
    <input id="code" name="code" type="text" required autocomplete="off" autocapitalize="characters" spellcheck="false" value="${escapeHtml(code ?? "")}">
  </div>
  <button type="submit">Make my room</button>
</form>`;
}

function page(title: string, body: string, withScript: boolean): string {
  return pageShell(title, body, withScript ? SCRIPT : undefined);
}
