/** The first line of a view: its name, how many rows, the filter, and live state. */
import { usePalette } from "../console-context.js";
import { Box, Text } from "ink";
import { sanitize } from "../sanitize.js";

export interface ViewTitleProps {
  readonly title: string;
  readonly count: number;
  readonly filter: string;
  readonly extra?: string;
}

export function ViewTitle({ title, count, filter, extra }: ViewTitleProps) {
  const palette = usePalette();
  return (
    <Box height={1}>
      <Text wrap="truncate-end">
        <Text bold>{title}</Text>
        <Text> {count}</Text>
        {filter ? (
          <Text color={palette.warning}> · filter “{sanitize(filter)}” (Esc clears)</Text>
        ) : null}
        {extra ? <Text color={palette.accent}> · {extra}</Text> : null}
      </Text>
    </Box>
  );
}
