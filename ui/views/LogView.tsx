/** View 4: the audit log, newest first, live; / filters it. */
import { Box } from "ink";
import { WindowedList } from "../components/WindowedList.js";
import { useConsoleState } from "../console-context.js";
import { useNow } from "../hooks/use-now.js";
import { MAX_AUDIT_LINES } from "../state/console-state.js";
import { rowsOf, selectedIndex } from "../state/rows.js";
import { AuditRow, auditColumns } from "./AuditRow.js";
import { ColumnHeads } from "./ColumnHeads.js";
import type { ListViewProps } from "./KnocksView.js";
import { ViewTitle } from "./ViewTitle.js";

export function LogView({ width, height }: ListViewProps) {
  const state = useConsoleState();
  const now = useNow(60_000);
  const rows = rowsOf(state, "log");
  const columns = auditColumns(width);
  return (
    <Box flexDirection="column" height={height}>
      <ViewTitle
        title="Audit log"
        count={rows.length}
        filter={state.filters.log}
        extra={`last ${MAX_AUDIT_LINES.toLocaleString("en")} kept`}
      />
      <ColumnHeads
        columns={[
          ["time", columns.time],
          ["event", columns.type],
          ["user", columns.user],
          ["details", columns.details],
        ]}
      />
      <WindowedList
        items={rows}
        selectedIndex={selectedIndex(state, "log")}
        height={height - 2}
        emptyText="No audit entries yet."
        renderRow={(row, isSelected) => (
          <AuditRow
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
