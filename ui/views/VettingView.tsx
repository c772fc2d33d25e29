/** View 2: the open vetting rooms, the one closing soonest first; Enter shows the transcript. */
import { Box } from "ink";
import { WindowedList } from "../components/WindowedList.js";
import { useConsoleState } from "../console-context.js";
import { useNow } from "../hooks/use-now.js";
import { rowsOf, selectedIndex } from "../state/rows.js";
import { ColumnHeads } from "./ColumnHeads.js";
import type { ListViewProps } from "./KnocksView.js";
import { VettingRow, vettingColumns } from "./VettingRow.js";
import { ViewTitle } from "./ViewTitle.js";

export function VettingView({ width, height }: ListViewProps) {
  const state = useConsoleState();
  const now = useNow();
  const rows = rowsOf(state, "vetting");
  const columns = vettingColumns(width);
  return (
    <Box flexDirection="column" height={height}>
      <ViewTitle title="Vetting rooms" count={rows.length} filter={state.filters.vetting} />
      <ColumnHeads
        columns={[
          ["who", columns.who],
          ["tries", columns.tries],
          ["time", columns.left],
          ["topic · keyword", columns.challenge],
        ]}
      />
      <WindowedList
        items={rows}
        selectedIndex={selectedIndex(state, "vetting")}
        height={height - 2}
        emptyText="No open vetting rooms."
        renderRow={(row, isSelected) => (
          <VettingRow
            key={row.id}
            record={row.record}
            isSelected={isSelected}
            columns={columns}
            now={now}
          />
        )}
      />
    </Box>
  );
}
