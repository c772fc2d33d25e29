/**
 * View 2: the open vetting rooms and lobbies, the one closing soonest first;
 * Enter shows the transcript. Lobbies sit in the same list because they take
 * the same keys (more tries, more time, say, close) and the same attention.
 */
import { Box } from "ink";
import { WindowedList } from "../components/WindowedList.js";
import { useConsoleState } from "../console-context.js";
import { useNow } from "../hooks/use-now.js";
import { rowsOf, selectedIndex } from "../state/rows.js";
import { ColumnHeads } from "./ColumnHeads.js";
import type { ListViewProps } from "./KnocksView.js";
import { LobbyRow } from "./LobbyRow.js";
import { VettingRow, vettingColumns } from "./VettingRow.js";
import { ViewTitle } from "./ViewTitle.js";

export function VettingView({ width, height }: ListViewProps) {
  const state = useConsoleState();
  const now = useNow();
  const rows = rowsOf(state, "vetting");
  const columns = vettingColumns(width);
  const lobbies = rows.filter((row) => row.lobby).length;
  return (
    <Box flexDirection="column" height={height}>
      <ViewTitle
        title="Vetting rooms"
        count={rows.length - lobbies}
        filter={state.filters.vetting}
        {...(lobbies > 0 ? { extra: `${lobbies} ${lobbies === 1 ? "lobby" : "lobbies"}` } : {})}
      />
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
        emptyText="No open vetting rooms or lobbies."
        renderRow={(row, isSelected) =>
          row.record ? (
            <VettingRow
              key={row.id}
              record={row.record}
              isSelected={isSelected}
              columns={columns}
              now={now}
            />
          ) : (
            <LobbyRow
              key={row.id}
              lobby={row.lobby}
              isSelected={isSelected}
              columns={columns}
              now={now}
            />
          )
        }
      />
    </Box>
  );
}
