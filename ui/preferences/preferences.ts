/**
 * What the console remembers for the person at the terminal between runs: the view and the
 * filters they left, the QR code's inversion and the theme. Stored by the caller (conf, in the
 * user's config folder); read leniently, since a stale value should never stop the console.
 */
import { VIEWS, type ConsoleState, type ViewId } from "../state/console-state.js";
import { THEMES, type ThemeName } from "../theme.js";

export interface Preferences {
  readonly view: ViewId;
  readonly filters: Readonly<Record<ViewId, string>>;
  /** The code-link QR view's `i`: dark modules filled, for terminals with a light background. */
  readonly qrInverted: boolean;
  readonly theme: ThemeName;
}

/** Where the console keeps them: read once at start, saved when they change. */
export interface PreferencesStore {
  readonly initial: Preferences;
  save(preferences: Preferences): void;
}

export const DEFAULT_PREFERENCES: Preferences = {
  view: "knocks",
  filters: Object.fromEntries(VIEWS.map((view) => [view, ""])) as Record<ViewId, string>,
  qrInverted: false,
  theme: "dark",
};

/** The preferences in a config file's top level; anything unknown or mistyped is the default. */
export function readPreferences(raw: Readonly<Record<string, unknown>>): Preferences {
  const filters = { ...DEFAULT_PREFERENCES.filters };
  const saved = raw.filters;
  if (typeof saved === "object" && saved !== null) {
    for (const view of VIEWS) {
      const text = (saved as Record<string, unknown>)[view];
      if (typeof text === "string") filters[view] = text.slice(0, 200);
    }
  }
  return {
    view: VIEWS.find((view) => view === raw.view) ?? DEFAULT_PREFERENCES.view,
    filters,
    qrInverted: typeof raw.qrInverted === "boolean" ? raw.qrInverted : false,
    theme: THEMES.find((theme) => theme === raw.theme) ?? DEFAULT_PREFERENCES.theme,
  };
}

export function preferencesOf(state: ConsoleState): Preferences {
  return {
    view: state.view,
    filters: state.filters,
    qrInverted: state.qrInverted,
    theme: state.theme,
  };
}

export function samePreferences(a: Preferences, b: Preferences): boolean {
  return (
    a.view === b.view &&
    a.qrInverted === b.qrInverted &&
    a.theme === b.theme &&
    VIEWS.every((view) => a.filters[view] === b.filters[view])
  );
}
