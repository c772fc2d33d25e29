/** View 5: is anteroom well — the homeserver, the sync loop, work in flight. */
import { tone } from "../theme.js";
import { Box, Text } from "ink";
import { useConsoleState, usePalette } from "../console-context.js";
import { healthLines } from "../format/health-display.js";
import { useNow } from "../hooks/use-now.js";
import { sanitize } from "../sanitize.js";
import type { ListViewProps } from "./KnocksView.js";

const LABEL_WIDTH = 14;
const TONES = { good: "good", bad: "danger", plain: undefined } as const;

export function HealthView({ height }: ListViewProps) {
  const palette = usePalette();
  const state = useConsoleState();
  const now = useNow(1000);
  const lines = healthLines(state, now);
  return (
    <Box flexDirection="column" height={height}>
      <Text bold>Health</Text>
      {lines.slice(0, Math.max(0, height - 1)).map((line) => (
        <Box key={line.label} height={1}>
          <Box width={LABEL_WIDTH} flexShrink={0}>
            <Text dimColor>{line.label}</Text>
          </Box>
          <Text wrap="truncate-end" color={tone(palette, TONES[line.tone])}>
            {line.tone === "bad" ? "✗ " : line.tone === "good" ? "✓ " : ""}
            {sanitize(line.value, { max: 300 })}
          </Text>
        </Box>
      ))}
    </Box>
  );
}
