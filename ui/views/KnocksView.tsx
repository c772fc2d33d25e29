/** View 1: every knock, live, newest first; the selection stays on its knock as new ones arrive. */
import { Box } from "ink";
import { WindowedList } from "../components/WindowedList.js";
import { useConsoleState } from "../console-context.js";
import { useNow } from "../hooks/use-now.js";
import { rowsOf, selectedIndex, unseenKnocks } from "../state/rows.js";
import { ColumnHeads } from "./ColumnHeads.js";
import { KnockRow, knockColumns } from "./KnockRow.js";
import { ViewTitle } from "./ViewTitle.js";

export interface ListViewProps {
  readonly width: number;
  readonly height: number;
}

export function KnocksView({ width, height }: ListViewProps) {
  const state = useConsoleState();
  const now = useNow();
  const rows = rowsOf(state, "knocks");
  const columns = knockColumns(width);
  const live = state.frozen
    ? `paused, ${unseenKnocks(state)} new (p resumes)`
    : state.follow
      ? "following the newest"
      : "live";
  return (
    <Box flexDirection="column" height={height}>
      <ViewTitle title="Knocks" count={rows.length} filter={state.filters.knocks} extra={live} />
      <ColumnHeads
        columns={[
          ["when", columns.age],
          ["state", columns.phase],
          ["who", columns.who],
          ["code", columns.code],
          ["reason", columns.reason],
        ]}
      />
      <WindowedList
        items={rows}
        selectedIndex={selectedIndex(state, "knocks")}
        height={height - 2}
        emptyText="No knocks yet. They show up here as they arrive."
        renderRow={(row, isSelected) => (
          <KnockRow
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
