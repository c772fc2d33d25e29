/** View 9: the members with their role in the space and each room; p gives a role, D demotes. */
import { Box, Text } from "ink";
import { Cell } from "../components/Cell.js";
import { SelectionMark } from "../components/SelectionMark.js";
import { WindowedList } from "../components/WindowedList.js";
import { useConsoleState } from "../console-context.js";
import { rowsOf, selectedIndex } from "../state/rows.js";
import { NOT_AVAILABLE } from "./BlocklistView.js";
import { ColumnHeads } from "./ColumnHeads.js";
import type { ListViewProps } from "./KnocksView.js";
import { ViewTitle } from "./ViewTitle.js";

export function MembersView({ width, height }: ListViewProps) {
  const state = useConsoleState();
  const { moderation } = state;
  if (!moderation.available) return <Text>{NOT_AVAILABLE}</Text>;
  const rows = rowsOf(state, "members");
  const flexible = Math.max(0, width - 2);
  const user = Math.floor(flexible * 0.4);
  const name = Math.floor(flexible * 0.25);
  const role = flexible - user - name;
  return (
    <Box flexDirection="column" height={height}>
      <ViewTitle
        title="Members"
        count={rows.length}
        filter={state.filters.members}
        {...(moderation.error ? { extra: `could not fetch: ${moderation.error}` } : {})}
      />
      <ColumnHeads
        columns={[
          ["user", user],
          ["name", name],
          ["role (space / rooms)", role],
        ]}
      />
      <WindowedList
        items={rows}
        selectedIndex={selectedIndex(state, "members")}
        height={height - 2}
        emptyText={moderation.members === undefined ? "Fetching…" : "No members."}
        renderRow={(row, isSelected) => (
          <Box key={row.id} height={1}>
            <SelectionMark isSelected={isSelected} isMarked={false} />
            <Cell width={user} isSelected={isSelected} isBold>
              {row.shown.user}
            </Cell>
            <Cell width={name} isSelected={isSelected} isDim>
              {row.shown.displayName}
            </Cell>
            <Cell width={role} isSelected={isSelected}>
              {row.shown.roles}
            </Cell>
          </Box>
        )}
      />
    </Box>
  );
}
