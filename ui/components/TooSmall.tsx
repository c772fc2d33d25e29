/** What a terminal below the minimum shows instead of a layout that would not fit. */
import { Box, Text } from "ink";

export const MIN_COLUMNS = 60;
export const MIN_ROWS = 15;

export function TooSmall({ columns, rows }: { readonly columns: number; readonly rows: number }) {
  return (
    <Box flexDirection="column" width={columns}>
      <Text wrap="wrap">
        terminal too small (need {MIN_COLUMNS}×{MIN_ROWS})
      </Text>
      <Text wrap="wrap" dimColor>
        now {columns}×{rows}; enlarge the window, or q to quit
      </Text>
    </Box>
  );
}
