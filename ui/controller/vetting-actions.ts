/** Decisions on knocks and vetting rooms: approve, reject (with a reason), close, say as the bot. */
import type { VettingRecord } from "../../core/vetting/record.js";
import { displayRecord } from "../format/record-display.js";
import type { VettingActions } from "../keys/console-actions.js";
import { sanitize } from "../sanitize.js";
import type { ConsoleCore } from "./console-core.js";

export function vettingActions(core: ConsoleCore): VettingActions {
  return {
    moderate: (record, action) =>
      void core.engine.moderate(record.key, displayRecord(record).user, action),
    askReject: (record, reason) => askReject(core, record, reason),
    askClose: (record) => {
      const { user, who } = displayRecord(record);
      core.confirm({
        title: `Close the vetting room of ${who}?`,
        lines: ["The knock stays undecided; the bot leaves the room."],
        confirmLabel: "Close",
        destructive: true,
        then: { kind: "moderate", key: record.key, user, action: { action: "close" } },
      });
    },
    askSay: (record, text) => {
      const { user } = displayRecord(record);
      if (text !== undefined) return say(core, record.key, user, text);
      core.prompt(`say to ${user} as the bot`, { kind: "say", key: record.key, user });
    },
  };
}

function askReject(core: ConsoleCore, record: VettingRecord, reason: string | undefined): void {
  const { user, who } = displayRecord(record);
  const shown = reason === undefined ? undefined : sanitize(reason, { max: 200 });
  core.confirm({
    title: `Reject ${who}?`,
    lines: [
      shown === undefined
        ? "Next you can give the reason they will see."
        : `They will see the reason: ${shown}`,
      "They can knock again later.",
    ],
    confirmLabel: "Reject",
    destructive: true,
    then:
      reason === undefined
        ? { kind: "askRejectReason", key: record.key, user }
        : { kind: "moderate", key: record.key, user, action: { action: "reject", reason } },
  });
}

/** After the reject was confirmed: the reason the person will see. */
export function askRejectReason(core: ConsoleCore, key: string, user: string): void {
  core.prompt(`reason for ${user} (Enter for the default)`, { kind: "rejectReason", key, user });
}

/** The reason typed; empty means the engine's default reason. */
export function rejectWithReason(
  core: ConsoleCore,
  key: string,
  user: string,
  value: string,
): void {
  const reason = value.trim();
  void core.engine.moderate(
    key,
    user,
    reason ? { action: "reject", reason } : { action: "reject" },
  );
}

export function say(core: ConsoleCore, key: string, user: string, text: string): void {
  if (!text.trim()) return core.refuse("nothing said: the text was empty");
  void core.engine.moderate(key, user, { action: "say", text });
}
