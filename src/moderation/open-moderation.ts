/**
 * Moderation for a runtime, wired: one blocklist store (DATA_DIR/blocklist.json),
 * the policy-list subscriptions, the screening the doors ask, the watchdog and
 * the `!block` action.
 */
import type { MatrixClient } from "matrix-js-sdk";
import type { Screen } from "../../core/moderation/screening.js";
import type { AuditSink, Log } from "../../core/ports.js";
import type { DaemonConfig } from "../config.js";
import { noticeSender } from "../chat/notice.js";
import type { OperatorActions } from "../chat/operator-actions.js";
import { SdkModerationPort } from "../matrix/moderation-port.js";
import type { SendBreaker } from "../matrix/send-breaker.js";
import { BlocklistStore } from "../store/blocklist-store.js";
import { blockAction } from "./block-action.js";
import { PolicyLists, type PolicyListStatus } from "./policy-lists.js";
import { Screening } from "./screening.js";
import { Watchdog } from "./watchdog.js";
import type { WriteRetry } from "../store/write-faults.js";

export interface Moderation {
  readonly blocklist: BlocklistStore;
  readonly screen: Screen;
  readonly actions: Required<Pick<OperatorActions, "block">>;
  /** Policy lists as configured: joined or not, rules, the last error. */
  policyLists(): PolicyListStatus[];
  /** Joins the policy lists and starts the watchdog; call once the client syncs. */
  start(): void;
  /** Picks up a hand edit of the blocklist; a bad edit is logged once and the last good list stays. */
  reloadHandEdit(): Promise<void>;
  stop(): Promise<void>;
}

export interface ModerationDeps {
  readonly client: MatrixClient;
  readonly breaker: SendBreaker;
  readonly audit: Pick<AuditSink, "append">;
  readonly log: Log;
  /** Failed blocklist writes are retried with its back-off. */
  readonly writes?: WriteRetry;
}

export async function openModeration(
  config: DaemonConfig,
  deps: ModerationDeps,
): Promise<Moderation> {
  const { client, audit, log } = deps;
  const blocklist = await BlocklistStore.open(config.paths.blocklist, deps.writes);
  const screening = new Screening(blocklist);
  const port = new SdkModerationPort(client);
  const policy = new PolicyLists(config.moderation.policyLists, {
    client,
    port,
    log,
    rules: { get: () => screening.policyRules, set: (rules) => (screening.policyRules = rules) },
  });
  const notifyRoom = config.moderation.notifyRoom;
  const send = noticeSender(client, deps.breaker);
  let notices = 0;
  const watchdog = new Watchdog({
    port,
    screen: screening.screen,
    rooms: [config.engine.spaceId, ...config.engine.childIds],
    action: config.moderation.watchdog.action,
    protectedLevel: config.operatorRoom.policy.threshold,
    audit,
    log,
    ...(notifyRoom
      ? {
          notify: (text: string) =>
            send(notifyRoom, text, `anteroom.watchdog.${Date.now()}.${notices++}`),
        }
      : {}),
  });
  let lastError: string | undefined;
  return {
    blocklist,
    screen: screening.screen,
    actions: { block: blockAction({ blocklist, audit, now: Date.now }) },
    policyLists: () => policy.status(),
    start() {
      policy.start();
      watchdog.start(config.moderation.watchdog.intervalSec * 1000);
    },
    async reloadHandEdit() {
      const { changed, error } = await blocklist.reload();
      if (error && error.message !== lastError) {
        log.error(
          { path: blocklist.path },
          `${error.message} The last good blocklist stays in use; a bad file is kept as ${blocklist.path}.rejected-* when anteroom next writes.`,
        );
      } else if (changed && !error) {
        log.info({ path: blocklist.path }, "picked up a hand edit of the blocklist");
      }
      lastError = error?.message;
    },
    async stop() {
      policy.stop();
      await watchdog.stop();
      await blocklist.close();
    },
  };
}
