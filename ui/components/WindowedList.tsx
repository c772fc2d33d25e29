/**
 * A list that renders only the rows that fit: rendering cost grows with rows
 * rendered, not with rows held (2,000 rows ≈ 300 ms a frame, 35 ≈ 6 ms). The
 * window moves only as far as it must to keep the selection in view.
 */
import { Box, Text } from "ink";
import { useState, type ReactNode } from "react";

export interface WindowedListProps<T> {
  readonly items: readonly T[];
  readonly selectedIndex: number;
  readonly height: number;
  readonly emptyText: string;
  readonly renderRow: (item: T, isSelected: boolean) => ReactNode;
}

export function WindowedList<T>({
  items,
  selectedIndex,
  height,
  emptyText,
  renderRow,
}: WindowedListProps<T>) {
  const [offset, setOffset] = useState(0);
  const rows = Math.max(1, height);
  let start = Math.min(offset, Math.max(0, items.length - rows));
  if (selectedIndex >= 0 && selectedIndex < start) start = selectedIndex;
  if (selectedIndex >= start + rows) start = selectedIndex - rows + 1;
  // Where the window was last is state kept from the previous render (React's way, not a ref).
  if (start !== offset) setOffset(start);
  if (items.length === 0) {
    return (
      <Box height={rows}>
        <Text dimColor>{emptyText}</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column" height={rows} overflow="hidden">
      {items
        .slice(start, start + rows)
        .map((item, i) => renderRow(item, start + i === selectedIndex))}
    </Box>
  );
}
