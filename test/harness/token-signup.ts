/** Signing up on the test homeserver with a registration token, as a newcomer would. */
import { randomBytes } from "node:crypto";
import { MatrixHttp } from "../../src/signup/matrix-http.js";
import { registerAccount, type RegisterOutcome } from "../../src/signup/register.js";
import type { TestHomeserver } from "./homeserver.js";

/** A fresh newcomer registering with `token` (m.login.registration_token, then dummy). */
export function signUpWithToken(hs: TestHomeserver, token: string): Promise<RegisterOutcome> {
  return registerAccount(new MatrixHttp({ baseUrl: hs.url, timeoutMs: 30_000 }), {
    username: `newcomer-${randomBytes(4).toString("hex")}`,
    password: `pw-${randomBytes(9).toString("hex")}`,
    registrationToken: token,
    deviceName: "test",
  });
}
