/** Wiring only: the signup routes' options from the daemon's config and runtime. */
import type { Logger } from "pino";
import type { DaemonConfig } from "../config.js";
import type { SignupRoutesOptions } from "../http/public/signup-routes.js";
import type { Runtime } from "../runtime.js";
import { SignupService } from "./service.js";

export function signupOptions(
  config: DaemonConfig,
  runtime: Runtime,
  log: Logger,
): SignupRoutesOptions {
  const service = new SignupService({
    codes: runtime.engine,
    log: log.child({ part: "signup" }),
    inviter: runtime.matrix,
    homeserverUrl: config.homeserverUrl,
    publicUrl: config.publicUrl,
    registrationToken: config.signup.registrationToken,
    spaceId: config.engine.spaceId,
    childIds: config.engine.childIds,
    codeRatePerMinute: config.signup.codeRatePerMinute,
    screen: runtime.moderation.screen,
    serverName: runtime.matrix.userId.slice(runtime.matrix.userId.indexOf(":") + 1),
    encryptDirectChat: config.encryption.mode !== "off",
    ...(config.signup.defaultInviter ? { defaultInviter: config.signup.defaultInviter } : {}),
  });
  return { service, ratePerMinute: config.signup.ratePerMinute };
}
