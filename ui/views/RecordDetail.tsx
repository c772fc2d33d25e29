/** The detail pane of one knock or vetting room: its facts and the live transcript. */
import { Box, Text } from "ink";
import { useConsoleState } from "../console-context.js";
import { useNow } from "../hooks/use-now.js";
import { displayRecord } from "../format/record-display.js";
import { relative, timeLeft } from "../format/time.js";
import { transcriptLines } from "../format/transcript-lines.js";

export interface RecordDetailProps {
  readonly recordKey: string;
  readonly width: number;
  readonly height: number;
}

const SPEAKER_COLORS = { bot: "cyan", newcomer: "white", moderator: "magenta" } as const;

export function RecordDetail({ recordKey, width, height }: RecordDetailProps) {
  const state = useConsoleState();
  const now = useNow(1000);
  const record = state.records.get(recordKey);
  if (!record) {
    return (
      <Box height={height}>
        <Text>This knock is no longer known to the console. Esc goes back.</Text>
      </Box>
    );
  }
  const shown = displayRecord(record);
  const status = [
    shown.phase,
    record.phase === "open" ? `${record.triesLeft} tries left` : undefined,
    record.phase === "open" ? timeLeft(record.expiresAt, now) : undefined,
    `knocked ${relative(record.knockedAt, now)}`,
    shown.outcome ? `outcome: ${shown.outcome}` : undefined,
  ].filter(Boolean);
  const facts = [
    `code: ${shown.code}`,
    shown.topic ? `topic: ${shown.topic}` : undefined,
    shown.keyword ? `keyword: “${shown.keyword}”` : undefined,
  ].filter(Boolean);
  const lastError = shown.errors[shown.errors.length - 1];
  const header = lastError ? 6 : 5;
  const lines = transcriptLines(record.transcript ?? [], width, now);
  const room = Math.max(0, height - header);
  const visible = lines.slice(-room);
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Text bold wrap="truncate-end">
        {shown.who}
      </Text>
      <Text wrap="truncate-end">{status.join(" · ")}</Text>
      <Text wrap="truncate-end">{facts.join(" · ")}</Text>
      <Text wrap="truncate-end" dimColor>
        reason: {shown.reason ? `“${shown.reason}”` : "none given"}
      </Text>
      {lastError ? (
        <Text wrap="truncate-end" color="red">
          last error ({shown.errors.length}): {lastError}
        </Text>
      ) : null}
      <Text wrap="truncate-end" dimColor>
        {`── transcript${record.roomId ? " (live)" : ""} ${"─".repeat(Math.max(0, width - 20))}`}
      </Text>
      {visible.length === 0 ? (
        <Text dimColor>
          {record.roomId ? "Nothing said yet." : "No vetting room for this knock."}
        </Text>
      ) : (
        visible.map((line) => (
          <Box key={line.key} height={1}>
            <Text wrap="truncate-end">
              <Text dimColor>{line.prefix}</Text>
              <Text color={SPEAKER_COLORS[line.from]}>{line.text}</Text>
            </Text>
          </Box>
        ))
      )}
    </Box>
  );
}
