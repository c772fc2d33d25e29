/** The key bindings for help, quitting, views, moving, opening, filtering, the command line, pause and follow. */
import { THEMES } from "../../theme.js";
import { never, LISTS, binding, onSubject, viewBinding, type Binding } from "../binding.js";

export const NAVIGATION_BINDINGS: readonly Binding[] = [
  binding({
    id: "help",
    keys: ["?"],
    description: "help: every key and command, searchable; Enter runs one",
    hint: "help",
    onBar: true,
    run: (_ctx, actions) => actions.showHelp(),
  }),
  // Before quit: in the detail pane, q goes back.
  binding({
    id: "back",
    keys: ["esc", "q"],
    description: "back to the list",
    hint: "back",
    onBar: true,
    screens: ["detail", "member"],
    run: (_ctx, actions) => actions.back(),
  }),
  binding({
    id: "clear",
    keys: ["esc"],
    description: "clear the marks, else the filter",
    hint: "clear",
    screens: LISTS,
    disabled: (ctx) =>
      ctx.screen !== "detail" &&
      ctx.screen !== "member" &&
      (ctx.state.marks[ctx.screen].length > 0 || ctx.state.filters[ctx.screen])
        ? undefined
        : "no marks or filter",
    run: (_ctx, actions) => actions.clearMarksOrFilter(),
  }),
  binding({
    id: "quit",
    keys: ["q", "ctrl+c"],
    description: "quit the console (asks first)",
    hint: "quit",
    onBar: true,
    run: (_ctx, actions) => actions.askQuit(),
  }),
  viewBinding("knocks", "1", "Knocks"),
  viewBinding("vetting", "2", "Vetting"),
  viewBinding("codes", "3", "Codes"),
  viewBinding("log", "4", "Log"),
  viewBinding("health", "5", "Health"),
  viewBinding("daemon", "6", "Daemon log"),
  viewBinding("triage", "7", "Triage"),
  viewBinding("blocklist", "8", "Blocklist"),
  viewBinding("members", "9", "Members"),
  binding({
    id: "next-view",
    keys: ["tab"],
    description: "next view",
    hint: "views",
    onBar: true,
    run: (_ctx, actions) => actions.cycleView(1),
  }),
  binding({
    id: "previous-view",
    keys: ["shift+tab"],
    description: "previous view",
    hint: "previous view",
    run: (_ctx, actions) => actions.cycleView(-1),
  }),
  binding({
    id: "down",
    keys: ["j", "down"],
    description: "select the next row",
    hint: "down",
    screens: LISTS,
    run: (_ctx, actions) => actions.move(1),
  }),
  binding({
    id: "up",
    keys: ["k", "up"],
    description: "select the previous row",
    hint: "up",
    screens: LISTS,
    run: (_ctx, actions) => actions.move(-1),
  }),
  binding({
    id: "top",
    keys: ["g", "home"],
    description: "select the first row",
    hint: "top",
    screens: LISTS,
    run: (_ctx, actions) => actions.moveToEnd("top"),
  }),
  binding({
    id: "bottom",
    keys: ["G", "end"],
    description: "select the last row",
    hint: "bottom",
    screens: LISTS,
    run: (_ctx, actions) => actions.moveToEnd("bottom"),
  }),
  binding({
    id: "page-down",
    keys: ["pgdn", "ctrl+d"],
    description: "one page down",
    hint: "page down",
    screens: LISTS,
    run: (_ctx, actions) => actions.page(1),
  }),
  binding({
    id: "page-up",
    keys: ["pgup", "ctrl+u"],
    description: "one page up",
    hint: "page up",
    screens: LISTS,
    run: (_ctx, actions) => actions.page(-1),
  }),
  binding({
    id: "open",
    keys: ["enter"],
    description: "open the knock, vetting room or lobby: details and live transcript",
    hint: "open",
    onBar: true,
    screens: ["knocks", "vetting", "triage"],
    disabled: onSubject(never, never),
    run: (_ctx, actions) => actions.openDetail(),
  }),
  binding({
    id: "filter",
    keys: ["/"],
    description: "filter the list (Enter keeps it, Esc clears it)",
    hint: "filter",
    onBar: true,
    screens: LISTS,
    args: "[text]",
    run: (_ctx, actions, args) => actions.editFilter(args || undefined),
  }),
  binding({
    id: "command",
    keys: [":"],
    description: "command line, with Tab completion (e.g. :reject spam)",
    hint: "command",
    run: (_ctx, actions) => actions.openCommandLine(),
  }),
  binding({
    id: "pause",
    keys: ["p"],
    description: "pause the knock list (new knocks wait) or resume it",
    hint: "pause",
    onBar: true,
    screens: ["knocks"],
    run: (_ctx, actions) => actions.togglePause(),
  }),
  binding({
    id: "follow",
    keys: ["f"],
    description: "follow: keep the newest knock selected",
    hint: "follow",
    screens: ["knocks"],
    run: (_ctx, actions) => actions.toggleFollow(),
  }),
  binding({
    id: "theme",
    keys: ["T"],
    description: "colours for a dark or a light terminal (remembered for next time)",
    hint: "theme",
    args: "[dark|light]",
    run: (_ctx, actions, args) => {
      const theme = THEMES.find((name) => name === args.trim());
      if (args.trim() && !theme) return actions.refuse(`theme: "${args}" is not dark or light`);
      actions.setTheme(theme);
    },
  }),
];
