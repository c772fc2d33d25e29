/** View 3: both code books; n mints a code, r revokes one. */
import { Box } from "ink";
import { WindowedList } from "../components/WindowedList.js";
import { useConsoleState } from "../console-context.js";
import { useNow } from "../hooks/use-now.js";
import { rowsOf, selectedIndex } from "../state/rows.js";
import { CodeLine, codeColumns } from "./CodeLine.js";
import { ColumnHeads } from "./ColumnHeads.js";
import type { ListViewProps } from "./KnocksView.js";
import { ViewTitle } from "./ViewTitle.js";

export function CodesView({ width, height }: ListViewProps) {
  const state = useConsoleState();
  const nowSec = useNow(30_000) / 1000;
  const rows = rowsOf(state, "codes");
  const columns = codeColumns(width);
  const marked = new Set(state.marks.codes);
  return (
    <Box flexDirection="column" height={height}>
      <ViewTitle
        title="Codes"
        count={rows.length}
        filter={state.filters.codes}
        {...(marked.size > 0
          ? { extra: `${marked.size} marked (r revokes them, Esc clears)` }
          : {})}
      />
      <ColumnHeads
        columns={[
          ["book", columns.book],
          ["code", columns.code],
          ["uses", columns.uses],
          ["label", columns.label],
          ["minted by", columns.by],
        ]}
      />
      <WindowedList
        items={rows}
        selectedIndex={selectedIndex(state, "codes")}
        height={height - 2}
        emptyText="No codes. Press n to mint one."
        renderRow={(row, isSelected) => (
          <CodeLine
            key={row.id}
            row={row}
            isSelected={isSelected}
            isMarked={marked.has(row.id)}
            columns={columns}
            nowSec={nowSec}
          />
        )}
      />
    </Box>
  );
}
