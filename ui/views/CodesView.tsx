/** View 3: both code books and the homeserver's registration tokens; n mints or issues, r revokes. */
import { Box, Text } from "ink";
import { WindowedList } from "../components/WindowedList.js";
import { useConsoleState, usePalette } from "../console-context.js";
import { useNow } from "../hooks/use-now.js";
import { rowsOf, selectedIndex } from "../state/rows.js";
import { CodeLine, codeColumns } from "./CodeLine.js";
import { ColumnHeads } from "./ColumnHeads.js";
import type { ListViewProps } from "./KnocksView.js";
import { TokenLine } from "./TokenLine.js";
import { ViewTitle } from "./ViewTitle.js";

export function CodesView({ width, height }: ListViewProps) {
  const palette = usePalette();
  const state = useConsoleState();
  const nowMs = useNow(30_000);
  const rows = rowsOf(state, "codes");
  const columns = codeColumns(width);
  const marked = new Set(state.marks.codes);
  // Why the homeserver lists no tokens (the bot is not a server admin…), in place of them.
  const tokensNote = state.moderation.available ? state.tokens.unavailable : undefined;
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
      {tokensNote === undefined ? null : (
        <Box height={1}>
          <Text wrap="truncate-end" color={palette.warning}>
            Homeserver tokens not available: {tokensNote}
          </Text>
        </Box>
      )}
      <ColumnHeads
        columns={[
          ["kind", columns.book],
          ["code", columns.code],
          ["uses", columns.uses],
          ["label", columns.label],
          ["minted by", columns.by],
        ]}
      />
      <WindowedList
        items={rows}
        selectedIndex={selectedIndex(state, "codes")}
        height={height - 2 - (tokensNote === undefined ? 0 : 1)}
        emptyText="No codes. Press n to mint one."
        renderRow={(row, isSelected) =>
          row.book === undefined ? (
            <TokenLine
              key={row.id}
              row={row}
              isSelected={isSelected}
              columns={columns}
              nowMs={nowMs}
            />
          ) : (
            <CodeLine
              key={row.id}
              row={row}
              isSelected={isSelected}
              isMarked={marked.has(row.id)}
              columns={columns}
              nowSec={nowMs / 1000}
            />
          )
        }
      />
    </Box>
  );
}
