/**
 * Two contexts, as gemini-cli splits them: the state (a store components read
 * through useConsoleState) and the actions (the controller), plus the settings
 * the console was started with.
 */
import { createContext, useContext, useSyncExternalStore } from "react";
import type { ConsoleActions } from "./keys/console-actions.js";
import type { ConsoleState } from "./state/console-state.js";
import type { ConsoleStore } from "./state/console-store.js";
import { PALETTES, type Palette } from "./theme.js";

export type ConsoleMode = "attached" | "in-process" | "demo";

export interface ConsoleSettings {
  readonly mode: ConsoleMode;
  readonly by: string;
  readonly readonly: boolean;
  /** The clock for "3 minutes ago": the engine's, in tests. */
  readonly now: () => number;
}

/** What the console's components may ask of its controller (ui/controller/console-controller.ts). */
export interface ConsoleControls {
  /** What the registry's bindings call. */
  readonly actions: ConsoleActions;
  handleKey(key: string): void;
  handlePaste(text: string): void;
  fetchShownView(): void;
}

export const ConsoleStoreContext = createContext<ConsoleStore | undefined>(undefined);
export const ConsoleActionsContext = createContext<ConsoleControls | undefined>(undefined);
export const ConsoleSettingsContext = createContext<ConsoleSettings | undefined>(undefined);

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`${name} is used outside <ConsoleApp>`);
  return value;
}

export function useConsoleState(): ConsoleState {
  const store = required(useContext(ConsoleStoreContext), "useConsoleState");
  return useSyncExternalStore(store.subscribe, store.getState);
}

export function useConsoleActions(): ConsoleControls {
  return required(useContext(ConsoleActionsContext), "useConsoleActions");
}

export function useConsoleSettings(): ConsoleSettings {
  return required(useContext(ConsoleSettingsContext), "useConsoleSettings");
}

/** The colours of the theme the moderator chose (theme.ts). */
export function usePalette(): Palette {
  const store = required(useContext(ConsoleStoreContext), "usePalette");
  // Only the theme: a row that asks for colours does not redraw for every other change.
  const theme = useSyncExternalStore(store.subscribe, () => store.getState().theme);
  return PALETTES[theme];
}
