/** One column of a one-line row: fixed width, cut with … rather than wrapped. */
import { Box, Text } from "ink";

export interface CellProps {
  readonly width: number;
  readonly children: string;
  readonly isSelected?: boolean;
  readonly color?: string;
  readonly isDim?: boolean;
  readonly isBold?: boolean;
}

export function Cell({ width, children, isSelected, color, isDim, isBold }: CellProps) {
  if (width <= 0) return null;
  return (
    <Box width={width} flexShrink={0} paddingRight={width > 1 ? 1 : 0}>
      <Text wrap="truncate-end" inverse={isSelected} color={color} dimColor={isDim} bold={isBold}>
        {children}
      </Text>
    </Box>
  );
}
