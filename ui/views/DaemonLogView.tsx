/** View 6: the daemon's own log, newest first, following the file or the daemon's stream; / filters it. */
import { Box, Text } from "ink";
import { WindowedList } from "../components/WindowedList.js";
import { useConsoleState } from "../console-context.js";
import { useNow } from "../hooks/use-now.js";
import { sanitize } from "../sanitize.js";
import { MAX_DAEMON_LOG_LINES } from "../state/daemon-log.js";
import { rowsOf, selectedIndex } from "../state/rows.js";
import { ColumnHeads } from "./ColumnHeads.js";
import { DaemonLogRow, daemonLogColumns } from "./DaemonLogRow.js";
import type { ListViewProps } from "./KnocksView.js";
import { ViewTitle } from "./ViewTitle.js";

export function DaemonLogView({ width, height }: ListViewProps) {
  const state = useConsoleState();
  const now = useNow(60_000);
  const { source, error } = state.daemonLog;
  if (source.kind === "none") {
    return (
      <Box flexDirection="column" height={height}>
        <Text bold>Daemon log</Text>
        <Text wrap="wrap">{source.why}</Text>
      </Box>
    );
  }
  const rows = rowsOf(state, "daemon");
  const columns = daemonLogColumns(width);
  return (
    <Box flexDirection="column" height={height}>
      <ViewTitle
        title="Daemon log"
        count={rows.length}
        filter={state.filters.daemon}
        extra={error ? sanitize(error, { max: 200 }) : `last ${MAX_DAEMON_LOG_LINES} kept`}
      />
      <ColumnHeads
        columns={[
          ["time", columns.time],
          ["level", columns.level],
          ["message", columns.msg],
          ["details", columns.details],
        ]}
      />
      <WindowedList
        items={rows}
        selectedIndex={selectedIndex(state, "daemon")}
        height={height - 2}
        emptyText={
          source.kind === "file"
            ? `Nothing logged yet in ${sanitize(source.path)}.`
            : "Nothing from the daemon's log yet."
        }
        renderRow={(row, isSelected) => (
          <DaemonLogRow
            key={row.id}
            line={row.line}
            isSelected={isSelected}
            columns={columns}
            now={now}
          />
        )}
      />
    </Box>
  );
}
