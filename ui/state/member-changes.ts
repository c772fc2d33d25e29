/**
 * The Members view has no change stream of its own (the list is fetched): it
 * follows the engine's audit entries instead, and is fetched again when one
 * says the space's members or their roles changed while the view is shown.
 */
import type { EngineApi } from "../../core/api.js";

/** Audit entries after which the member list may differ: joins, removals, role changes. */
const MEMBER_CHANGES: ReadonlySet<string> = new Set([
  "invite_accepted",
  "welcomed",
  "user_kicked",
  "user_banned",
  "user_unbanned",
  "role_changed",
  "lifecycle_applied",
]);

export function followMemberChanges(
  api: EngineApi,
  isShown: () => boolean,
  refetch: () => void,
): () => void {
  // A burst of changes (a wave let in) is one fetch, on the next turn of the event loop.
  let scheduled: NodeJS.Immediate | undefined;
  const unsubscribe = api.subscribe((event) => {
    if (event.type !== "audit" || !MEMBER_CHANGES.has(event.entry.type) || !isShown()) return;
    scheduled ??= setImmediate(() => {
      scheduled = undefined;
      refetch();
    });
  });
  return () => {
    unsubscribe();
    if (scheduled) clearImmediate(scheduled);
  };
}
