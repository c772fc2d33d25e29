/** The detail pane of one knock or vetting room (or lobby): its facts and the live transcript. */
import { Box, Text } from "ink";
import { TranscriptPane } from "../components/TranscriptPane.js";
import { useConsoleState, usePalette } from "../console-context.js";
import { useNow } from "../hooks/use-now.js";
import { displayRecord } from "../format/record-display.js";
import { relative, timeLeft } from "../format/time.js";
import { LobbyDetail } from "./LobbyDetail.js";

export interface RecordDetailProps {
  readonly recordKey: string;
  readonly width: number;
  readonly height: number;
}

export function RecordDetail({ recordKey, width, height }: RecordDetailProps) {
  const palette = usePalette();
  const state = useConsoleState();
  const now = useNow(1000);
  const record = state.records.get(recordKey);
  const lobby = record ? undefined : state.lobbies.get(recordKey);
  if (lobby) return <LobbyDetail lobby={lobby} width={width} height={height} now={now} />;
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
    shown.screened ? `caught by the ${shown.screened}` : `code: ${shown.code}`,
    shown.topic ? `topic: ${shown.topic}` : undefined,
    shown.keyword ? `keyword: “${shown.keyword}”` : undefined,
  ].filter(Boolean);
  const lastError = shown.errors[shown.errors.length - 1];
  const header = lastError ? 5 : 4;
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
        <Text wrap="truncate-end" color={palette.danger}>
          last error ({shown.errors.length}): {lastError}
        </Text>
      ) : null}
      <TranscriptPane
        transcript={record.transcript ?? []}
        isLive={record.roomId !== undefined}
        emptyText={record.roomId ? "Nothing said yet." : "No vetting room for this knock."}
        width={width}
        height={height - header}
        now={now}
      />
    </Box>
  );
}
