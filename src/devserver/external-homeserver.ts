// An existing homeserver (ANTEROOM_TEST_HS + ANTEROOM_TEST_HS_SECRET) in place of the harness's
// own Synapse: users and a token through its admin API; it cannot be stopped or restarted.

import {
  createRegistrationToken,
  jsonRequest,
  randomId,
  registerWithSharedSecret,
} from "./synapse-admin-api.js";
import type { TestHomeserver } from "./test-homeserver.js";
import { errorMessage } from "./wait.js";

export async function useExternalHomeserver(url: string, secret: string): Promise<TestHomeserver> {
  await jsonRequest("GET", `${url}/_matrix/client/versions`).catch((err: unknown) => {
    throw new Error(`ANTEROOM_TEST_HS=${url} does not answer: ${errorMessage(err)}`);
  });
  const admin = await registerWithSharedSecret(url, secret, `harness-admin-${randomId()}`, {
    admin: true,
  });
  const serverName = admin.userId.slice(admin.userId.indexOf(":") + 1);
  const registrationToken = await createRegistrationToken(url, admin);
  const unsupported = (what: string) => async (): Promise<void> => {
    throw new Error(
      `${what}() needs the harness's own Synapse; unset ANTEROOM_TEST_HS / ANTEROOM_TEST_HS_SECRET to run this test (it is using the existing homeserver ${url})`,
    );
  };
  return {
    url,
    serverName,
    registrationToken,
    admin,
    runDir: undefined,
    logPath: undefined,
    pid: undefined,
    registerUser: (localpart, o) => registerWithSharedSecret(url, secret, localpart, o),
    stop: async () => {},
    restart: unsupported("restart"),
    kill: unsupported("kill"),
    start: unsupported("start"),
  };
}
