// Synapse's admin API as the harness uses it, on its own Synapse and on an existing one alike:
// users made with the registration shared secret, and a registration token for signup tests.

import { createHmac, randomBytes } from "node:crypto";
import type { TestUser } from "./test-homeserver.js";

/** Random hex, for localparts, passwords and run names that must not collide. */
export const randomId = (bytes = 6): string => randomBytes(bytes).toString("hex");

export async function registerWithSharedSecret(
  url: string,
  secret: string,
  localpart: string | undefined,
  opts: { admin?: boolean; displayName?: string } = {},
): Promise<TestUser> {
  const username = localpart ?? `user-${randomId()}`;
  const password = `pw-${randomId(9)}`;
  const endpoint = `${url}/_synapse/admin/v1/register`;
  const nonceRes = await jsonRequest("GET", endpoint);
  const nonce = String(nonceRes.nonce);
  const admin = opts.admin === true;
  const mac = createHmac("sha1", secret)
    .update(`${nonce}\0${username}\0${password}\0${admin ? "admin" : "notadmin"}`)
    .digest("hex");
  const body: Record<string, unknown> = { nonce, username, password, admin, mac };
  if (opts.displayName !== undefined) body.displayname = opts.displayName;
  const res = await jsonRequest("POST", endpoint, body);
  const userId = String(res.user_id);
  return {
    userId,
    accessToken: String(res.access_token),
    deviceId: String(res.device_id),
    password,
    localpart: userId.slice(1, userId.indexOf(":")),
  };
}

export async function createRegistrationToken(url: string, admin: TestUser): Promise<string> {
  const res = await jsonRequest(
    "POST",
    `${url}/_synapse/admin/v1/registration_tokens/new`,
    {},
    admin.accessToken,
  );
  return String(res.token);
}

// Admin-API JSON is untyped here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyJson = any;

export async function jsonRequest(
  method: string,
  url: string,
  body?: unknown,
  accessToken?: string,
): Promise<AnyJson> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json: AnyJson;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { raw: text };
  }
  if (!res.ok) {
    const path = new URL(url).pathname;
    throw new Error(
      `${method} ${path} → ${res.status} ${json.errcode ?? "(no errcode)"}: ${json.error ?? text.slice(0, 200)}`,
    );
  }
  return json;
}
