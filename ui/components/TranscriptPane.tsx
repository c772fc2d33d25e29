/** The last messages of a vetting room or lobby, newest at the bottom, as many as fit. */
import { usePalette } from "../console-context.js";
import { Box, Text } from "ink";
import type { TranscriptLine } from "../../core/vetting/record.js";
import { transcriptLines } from "../format/transcript-lines.js";

const SPEAKER_TONES = { bot: "accent", newcomer: "newcomer", moderator: "moderator" } as const;

export interface TranscriptPaneProps {
  readonly transcript: readonly TranscriptLine[];
  readonly isLive: boolean;
  readonly emptyText: string;
  readonly width: number;
  readonly height: number;
  readonly now: number;
}

export function TranscriptPane({
  transcript,
  isLive,
  emptyText,
  width,
  height,
  now,
}: TranscriptPaneProps) {
  const palette = usePalette();
  const lines = transcriptLines(transcript, width, now);
  const visible = lines.slice(-Math.max(0, height - 1));
  return (
    <Box flexDirection="column" height={Math.max(1, height)} overflow="hidden">
      <Text wrap="truncate-end" dimColor>
        {`── transcript${isLive ? " (live)" : ""} ${"─".repeat(Math.max(0, width - 20))}`}
      </Text>
      {visible.length === 0 ? (
        <Text dimColor>{emptyText}</Text>
      ) : (
        visible.map((line) => (
          <Box key={line.key} height={1}>
            <Text wrap="truncate-end">
              <Text dimColor>{line.prefix}</Text>
              <Text color={palette[SPEAKER_TONES[line.from]]}>{line.text}</Text>
            </Text>
          </Box>
        ))
      )}
    </Box>
  );
}
