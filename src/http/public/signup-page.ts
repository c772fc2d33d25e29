/**
 * The signup pages: a plain form and its result, as HTML strings. No
 * framework, no external assets; everything works without JavaScript (the
 * form posts to `/signup` and gets a page back). One small inline script,
 * allowed by its hash in the Content-Security-Policy, only disables the
 * button while the request runs, so a double click cannot send the form twice.
 * Every piece of text from a request or the homeserver is escaped.
 */
import type { SignupStep, SignupSuccess } from "../../signup/service.js";
import { PASSWORD_MIN, USERNAME_MAX } from "../../signup/validate.js";
import { escapeHtml, pageHeaders, pageShell, problemBox } from "./page-shell.js";

const SCRIPT = `document.querySelector("form").addEventListener("submit",function(){var b=document.querySelector("button[type=submit]");if(b){setTimeout(function(){b.disabled=true;b.textContent="Creating your account…";},0);}});`;

/** Headers for every signup page. */
export const PAGE_HEADERS = pageHeaders(SCRIPT, { callsApi: false });

export interface FormValues {
  readonly code?: string;
  readonly username?: string;
  readonly displayName?: string;
}

export interface FormPageOptions {
  readonly homeserver: string;
  readonly values?: FormValues;
  /** A refusal to show above the form. */
  readonly problem?: { readonly error: string; readonly message: string };
}

export function renderSignupForm(opts: FormPageOptions): string {
  const v = opts.values ?? {};
  const problem = opts.problem ? problemBox(opts.problem) : "";
  return page(
    "Create an account",
    `<h1>Create an account</h1>
<p>This creates an account on the community's homeserver, <code>${escapeHtml(opts.homeserver)}</code>,
and brings it into the community's space and rooms. You need a signup code from someone in the community.</p>
<p>Opening this page uses nothing. Your code is used once, when the account is created; a username that is already taken does not use it.</p>
${problem}
<form method="post" action="/signup" accept-charset="utf-8">
  <div class="field">
    <label for="code">Signup code</label>
    <input id="code" name="code" type="text" required autocomplete="off" autocapitalize="characters" spellcheck="false" value="${escapeHtml(v.code ?? "")}">
  </div>
  <div class="field">
    <label for="username">Username</label>
    <input id="username" name="username" type="text" required maxlength="${USERNAME_MAX}" autocomplete="username" autocapitalize="none" spellcheck="false" aria-describedby="username-hint" value="${escapeHtml(v.username ?? "")}">
    <p class="hint" id="username-hint">Lowercase letters, digits and <code>. _ = - /</code>; up to ${USERNAME_MAX} characters. It becomes your user ID, e.g. <code>@name:server</code>.</p>
  </div>
  <div class="field">
    <label for="password">Password</label>
    <input id="password" name="password" type="password" required minlength="${PASSWORD_MIN}" autocomplete="new-password" aria-describedby="password-hint">
    <p class="hint" id="password-hint">At least ${PASSWORD_MIN} characters.</p>
  </div>
  <div class="field">
    <label for="display_name">Display name <span class="optional">(optional)</span></label>
    <input id="display_name" name="display_name" type="text" maxlength="256" autocomplete="nickname" aria-describedby="display-name-hint" value="${escapeHtml(v.displayName ?? "")}">
    <p class="hint" id="display-name-hint">How others see you in the rooms. You can change it later.</p>
  </div>
  <button type="submit">Create my account</button>
</form>`,
    true,
  );
}

export function renderSignupDone(result: SignupSuccess, username: string): string {
  const failed = result.steps.filter((s) => !s.ok);
  const joined =
    failed.length === 0
      ? `<p>You have joined the community's space and its rooms.</p>`
      : `<div class="problem" role="alert"><p><strong>Your account exists, but some steps did not work:</strong></p>
<ul>${failed.map((s) => `<li>${escapeHtml(describeStep(s))}${s.error ? `: ${escapeHtml(s.error)}` : ""}</li>`).join("")}</ul>
<p>Log in anyway; a moderator can invite you to what is missing.</p></div>`;
  return page(
    "Your account is ready",
    `<h1>Your account is ready</h1>
<p role="status">Your user ID is <strong><code>${escapeHtml(result.user_id)}</code></strong>.</p>
${joined}
<h2>How to log in</h2>
<ol>
  <li>Open a Matrix client, for example Element (app.element.io, or the desktop or mobile app).</li>
  <li>Choose to sign in, and change the homeserver to <code>${escapeHtml(result.homeserver)}</code>.</li>
  <li>Sign in with the username <code>${escapeHtml(username)}</code> and the password you chose.</li>
</ol>`,
    false,
  );
}

export function renderSignupUnavailable(message: string): string {
  return page(
    "Signup is not available",
    `<h1>Signup is not available</h1>
<p>${escapeHtml(message)}</p>
<p>Ask the people who run this community for another way in.</p>`,
    false,
  );
}

function describeStep(step: SignupStep): string {
  const [what, room] = splitStep(step.step);
  switch (what) {
    case "display_name":
      return "setting your display name";
    case "invite":
      return `the invitation to ${room}`;
    case "join":
      return `joining ${room}`;
    case "logout":
      return "closing the signup session";
    default:
      return step.step;
  }
}

function splitStep(step: string): [string, string] {
  const colon = step.indexOf(":");
  return colon === -1 ? [step, ""] : [step.slice(0, colon), step.slice(colon + 1)];
}

function page(title: string, body: string, withScript: boolean): string {
  return pageShell(title, body, withScript ? SCRIPT : undefined);
}
