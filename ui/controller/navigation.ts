/** Moving around the console: views, rows, the detail pane, filters, pause and follow, help, quit. */
import type { ConsoleMode } from "../console-context.js";
import type { NavigationActions } from "../keys/console-actions.js";
import { VIEWS } from "../state/console-state.js";
import { rowsOf, selectedIndex } from "../state/rows.js";
import type { ConsoleCore } from "./console-core.js";

const QUIT_NOTES: Readonly<Record<ConsoleMode, string>> = {
  attached: "The daemon keeps running; only this console closes.",
  "in-process": "The engine stops with the console; knocks wait until anteroom runs again.",
  demo: "The demo engine and its sample data go with it.",
};

/** The current view's filter, as typed so far. */
export function setFilter(core: ConsoleCore, text: string): void {
  core.update((state) => ({ ...state, filters: { ...state.filters, [state.view]: text } }));
}

export function navigationActions(core: ConsoleCore): NavigationActions {
  const showView: NavigationActions["showView"] = (view) => core.set({ view, detail: undefined });
  const move: NavigationActions["move"] = (delta) => {
    const { view } = core.state;
    const rows = rowsOf(core.state, view);
    if (rows.length === 0) return;
    const from = selectedIndex(core.state, view);
    const index = Math.min(rows.length - 1, Math.max(0, from + delta));
    core.update((state) => ({
      ...state,
      selection: { ...state.selection, [view]: { id: rows[index]?.id, index } },
      // Moving by hand stops following, as in `less +F`.
      follow: view === "knocks" ? false : state.follow,
    }));
  };
  return {
    showHelp: () => core.set({ overlay: { kind: "help", query: "", index: 0 } }),
    askQuit: () =>
      core.confirm({
        title: "Quit the console?",
        lines: [QUIT_NOTES[core.options.mode]],
        confirmLabel: "Quit",
        destructive: false,
        then: { kind: "quit" },
      }),
    showView,
    cycleView: (step) => {
      const at = VIEWS.indexOf(core.state.view);
      showView(VIEWS[(at + step + VIEWS.length) % VIEWS.length] ?? "knocks");
    },
    move,
    moveToEnd: (end) => move(end === "top" ? -Infinity : Infinity),
    page: (direction) => move(direction * Math.max(1, core.options.pageSize() - 1)),
    openDetail: () => {
      const { record, lobby } = core.context();
      const key = record?.key ?? lobby?.key;
      if (key !== undefined) core.set({ detail: key });
    },
    back: () => core.set({ detail: undefined }),
    clearMarksOrFilter: () => {
      const { view, marks } = core.state;
      if (marks[view].length === 0) return setFilter(core, "");
      core.set({
        marks: { ...marks, [view]: [] },
        notice: { tone: "info", text: "marks cleared" },
      });
    },
    toggleMark: (rowId) => {
      const { view, marks } = core.state;
      const marked = marks[view];
      const next = marked.includes(rowId)
        ? marked.filter((id) => id !== rowId)
        : [...marked, rowId];
      core.set({ marks: { ...marks, [view]: next } });
      move(1); // as in a file manager: mark, and on to the next
    },
    editFilter: (text) => {
      if (text !== undefined) setFilter(core, text);
      else core.set({ overlay: { kind: "filter" } });
    },
    openCommandLine: () => core.set({ overlay: { kind: "command", value: "" } }),
    togglePause: () => {
      if (core.state.frozen) {
        core.set({ frozen: undefined, notice: { tone: "info", text: "knocks: live again" } });
        return;
      }
      const unfiltered = {
        ...core.state,
        frozen: undefined,
        filters: { ...core.state.filters, knocks: "" },
      };
      core.set({
        frozen: rowsOf(unfiltered, "knocks").map((row) => row.id),
        follow: false,
        notice: { tone: "info", text: "knocks: paused (p resumes)" },
      });
    },
    toggleFollow: () => {
      const follow = !core.state.follow;
      core.set({
        follow,
        frozen: follow ? undefined : core.state.frozen,
        notice: {
          tone: "info",
          text: follow ? "knocks: following the newest" : "knocks: not following",
        },
      });
    },
    setTheme: (theme) => {
      const next = theme ?? (core.state.theme === "dark" ? "light" : "dark");
      core.set({ theme: next, notice: { tone: "info", text: `${next} theme` } });
    },
  };
}
