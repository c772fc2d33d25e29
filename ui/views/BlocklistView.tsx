/** View 8: the blocklist; n blocks a pattern, d removes the selected entry. */
import { Box, Text } from "ink";
import { Cell } from "../components/Cell.js";
import { SelectionMark } from "../components/SelectionMark.js";
import { WindowedList } from "../components/WindowedList.js";
import { useConsoleState } from "../console-context.js";
import { rowsOf, selectedIndex } from "../state/rows.js";
import { ColumnHeads } from "./ColumnHeads.js";
import type { ListViewProps } from "./KnocksView.js";
import { ViewTitle } from "./ViewTitle.js";

export const NOT_AVAILABLE =
  "Not available: this console was started without the blocklist and roles.";

export function BlocklistView({ width, height }: ListViewProps) {
  const state = useConsoleState();
  const { moderation } = state;
  if (!moderation.available) return <Text>{NOT_AVAILABLE}</Text>;
  const rows = rowsOf(state, "blocklist");
  const kind = 12;
  const flexible = Math.max(0, width - 2 - kind);
  const pattern = Math.floor(flexible * 0.4);
  const by = Math.floor(flexible * 0.25);
  const reason = flexible - pattern - by;
  return (
    <Box flexDirection="column" height={height}>
      <ViewTitle
        title="Blocklist"
        count={rows.length}
        filter={state.filters.blocklist}
        {...(moderation.error ? { extra: `could not fetch: ${moderation.error}` } : {})}
      />
      <ColumnHeads
        columns={[
          ["pattern", pattern],
          ["kind", kind],
          ["reason", reason],
          ["added by", by],
        ]}
      />
      <WindowedList
        items={rows}
        selectedIndex={selectedIndex(state, "blocklist")}
        height={height - 2}
        emptyText={
          moderation.blocklist === undefined ? "Fetching…" : "Nobody is blocked. Press n to block."
        }
        renderRow={(row, isSelected) => (
          <Box key={row.id} height={1}>
            <SelectionMark isSelected={isSelected} isMarked={false} />
            <Cell width={pattern} isSelected={isSelected} isBold>
              {row.shown.pattern}
            </Cell>
            <Cell width={kind} isSelected={isSelected} isDim>
              {row.shown.kind}
            </Cell>
            <Cell width={reason} isSelected={isSelected}>
              {row.shown.reason}
            </Cell>
            <Cell width={by} isSelected={isSelected} isDim>
              {row.shown.addedBy}
            </Cell>
          </Box>
        )}
      />
    </Box>
  );
}
