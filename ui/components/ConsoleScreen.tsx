/**
 * The whole screen, exactly as tall as the terminal: header, view tabs, the
 * view (or a dialog in its place), the status line and the hint bar. Below
 * the minimum size it says so instead of drawing a broken layout.
 */
import { Box, Text } from "ink";
import { useConsoleState } from "../console-context.js";
import { useTerminalSize } from "../hooks/use-terminal-size.js";
import type { ConsoleState } from "../state/console-state.js";
import { CodesView } from "../views/CodesView.js";
import { KnocksView } from "../views/KnocksView.js";
import { LogView } from "../views/LogView.js";
import { HealthView } from "../views/HealthView.js";
import { DaemonLogView } from "../views/DaemonLogView.js";
import { RecordDetail } from "../views/RecordDetail.js";
import { TriageView } from "../views/TriageView.js";
import { VettingView } from "../views/VettingView.js";
import { BlocklistView } from "../views/BlocklistView.js";
import { MemberDetail } from "../views/MemberDetail.js";
import { MembersView } from "../views/MembersView.js";
import { RolePicker } from "./RolePicker.js";
import { BookPicker } from "./BookPicker.js";
import { CodeLinkModal } from "./CodeLinkModal.js";
import { ConfirmDialog } from "./ConfirmDialog.js";
import { Header } from "./Header.js";
import { HelpScreen } from "./HelpScreen.js";
import { HintBar } from "./HintBar.js";
import { MintedCode } from "./MintedCode.js";
import { TokenCard } from "./TokenCard.js";
import { StatusLine } from "./StatusLine.js";
import { Tabs } from "./Tabs.js";
import { MIN_COLUMNS, MIN_ROWS, TooSmall } from "./TooSmall.js";

/** Header, tabs, status line, hint bar. */
const CHROME_ROWS = 4;

function Body({ state, width, height }: { state: ConsoleState; width: number; height: number }) {
  const { overlay } = state;
  if (overlay?.kind === "help") {
    return <HelpScreen query={overlay.query} index={overlay.index} width={width} height={height} />;
  }
  if (overlay?.kind === "confirm") return <ConfirmDialog dialog={overlay} width={width} />;
  if (overlay?.kind === "pickBook") return <BookPicker width={width} purpose={overlay.for} />;
  if (overlay?.kind === "pickRole") {
    return <RolePicker width={width} user={overlay.user} index={overlay.index} />;
  }
  if (overlay?.kind === "minted") return <MintedCode minted={overlay} width={width} />;
  if (overlay?.kind === "token") return <TokenCard shown={overlay} width={width} />;
  if (overlay?.kind === "codeLink") {
    return <CodeLinkModal shown={overlay} width={width} height={height} />;
  }
  if (state.detail !== undefined && state.view === "members") {
    return <MemberDetail user={state.detail} height={height} />;
  }
  if (state.detail !== undefined) {
    return <RecordDetail recordKey={state.detail} width={width} height={height} />;
  }
  switch (state.view) {
    case "knocks":
      return <KnocksView width={width} height={height} />;
    case "vetting":
      return <VettingView width={width} height={height} />;
    case "codes":
      return <CodesView width={width} height={height} />;
    case "log":
      return <LogView width={width} height={height} />;
    case "health":
      return <HealthView width={width} height={height} />;
    case "daemon":
      return <DaemonLogView width={width} height={height} />;
    case "triage":
      return <TriageView width={width} height={height} />;
    case "blocklist":
      return <BlocklistView width={width} height={height} />;
    case "members":
      return <MembersView width={width} height={height} />;
  }
}

export function ConsoleScreen() {
  const state = useConsoleState();
  const { columns, rows } = useTerminalSize();
  if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
    const dialog = state.overlay?.kind === "confirm" ? state.overlay : undefined;
    return (
      <Box flexDirection="column">
        <TooSmall columns={columns} rows={rows} />
        {dialog ? (
          <Text wrap="wrap">
            {dialog.title} Enter: {dialog.focus === "cancel" ? "Cancel" : dialog.confirmLabel}, Esc:
            Cancel
          </Text>
        ) : null}
      </Box>
    );
  }
  const height = rows - CHROME_ROWS;
  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Header />
      <Tabs view={state.view} width={columns} />
      <Box flexDirection="column" height={height} overflow="hidden">
        <Body state={state} width={columns} height={height} />
      </Box>
      <StatusLine />
      <HintBar width={columns} />
    </Box>
  );
}
