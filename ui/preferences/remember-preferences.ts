/** Saves the preferences whenever the moderator changes one, so the next run opens the same way. */
import type { ConsoleStore } from "../state/console-store.js";
import { preferencesOf, samePreferences, type PreferencesStore } from "./preferences.js";

export function rememberPreferences(
  store: ConsoleStore,
  preferences: PreferencesStore,
): () => void {
  let saved = preferences.initial;
  let failed = false;
  return store.subscribe(() => {
    const state = store.getState();
    // A filter is saved once it is kept (Enter) or cleared, not at every letter typed.
    if (state.overlay?.kind === "filter") return;
    const current = preferencesOf(state);
    if (samePreferences(current, saved)) return;
    saved = current;
    try {
      preferences.save(current);
    } catch (error) {
      // Said once: the console works on, it just will not remember.
      if (failed) return;
      failed = true;
      const reason = error instanceof Error ? error.message : String(error);
      store.update((s) => ({
        ...s,
        notice: { tone: "error", text: `preferences not saved: ${reason}` },
      }));
    }
  });
}
