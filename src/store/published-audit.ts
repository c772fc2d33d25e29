/**
 * The audit log as the services beside the engine write to it (member
 * actions, roles, registration tokens, the blocklist, chat commands): each
 * entry is also published on the engine's change stream, so the console's Log
 * view and Members list see it live, as they see the engine's own entries.
 */
import type { AuditSink } from "../../core/ports.js";
import type { EngineEvents } from "../../core/engine/events.js";

export function publishedAudit(
  audit: Pick<AuditSink, "append">,
  events: () => EngineEvents | undefined,
): Pick<AuditSink, "append"> {
  return {
    append: async (record) => {
      await audit.append(record);
      events()?.emit({ type: "audit", entry: record });
    },
  };
}
