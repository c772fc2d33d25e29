/** The detail pane of one lobby: its room and code, everyone who came with their tries, the live transcript. */
import { usePalette } from "../console-context.js";
import { Box, Text } from "ink";
import type { LobbyRecord } from "../../core/lobby/record.js";
import { TranscriptPane } from "../components/TranscriptPane.js";
import { displayLobby } from "../format/lobby-display.js";
import { relative, timeLeft } from "../format/time.js";

export interface LobbyDetailProps {
  readonly lobby: LobbyRecord;
  readonly width: number;
  readonly height: number;
  readonly now: number;
}

/** People listed by name before "and N more": the transcript needs room too. */
const MAX_GUEST_LINES = 6;

export function LobbyDetail({ lobby, width, height, now }: LobbyDetailProps) {
  const palette = usePalette();
  const shown = displayLobby(lobby);
  const status = [
    `lobby ${shown.phase}`,
    lobby.phase === "open" ? timeLeft(lobby.expiresAt, now) : undefined,
    `opened ${relative(lobby.requestedAt, now)}`,
    shown.passedBy ? `passed by ${shown.passedBy}` : undefined,
    shown.outcome && shown.outcome !== lobby.phase ? `outcome: ${shown.outcome}` : undefined,
  ].filter(Boolean);
  const facts = [
    `code: ${shown.code}${shown.label ? ` ${shown.label}` : ""}`,
    `topic: ${shown.topic}`,
    `keyword: “${shown.keyword}”`,
  ];
  const guests = shown.guests.slice(0, MAX_GUEST_LINES);
  const more = shown.guests.length - guests.length;
  const lastError = shown.errors[shown.errors.length - 1];
  const header = 4 + Math.max(1, guests.length) + (more > 0 ? 1 : 0) + (lastError ? 1 : 0);
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Text bold wrap="truncate-end">
        {shown.name}
      </Text>
      <Text wrap="truncate-end">{status.join(" · ")}</Text>
      <Text wrap="truncate-end">{facts.join(" · ")}</Text>
      {lastError ? (
        <Text wrap="truncate-end" color={palette.danger}>
          last error ({shown.errors.length}): {lastError}
        </Text>
      ) : null}
      <Text wrap="truncate-end" dimColor>
        {`people: ${shown.joinedCount} in the room, ${shown.guests.length} came · ${lobby.maxTries} tries each`}
      </Text>
      {guests.length === 0 ? (
        <Text dimColor>Nobody has joined yet.</Text>
      ) : (
        guests.map((guest) => (
          <Box key={guest.user} height={1}>
            <Text wrap="truncate-end">
              {"  "}
              <Text bold={guest.joined} dimColor={!guest.joined}>
                {guest.user}
              </Text>
              <Text
                color={
                  guest.triesLeft <= 0
                    ? palette.danger
                    : guest.triesLeft === 1
                      ? palette.warning
                      : undefined
                }
              >
                {`  ${guest.triesLeft} ${guest.triesLeft === 1 ? "try" : "tries"} left`}
              </Text>
              <Text dimColor>{guest.joined ? "" : " · left"}</Text>
            </Text>
          </Box>
        ))
      )}
      {more > 0 ? <Text dimColor>{`  and ${more} more`}</Text> : null}
      <TranscriptPane
        transcript={lobby.transcript ?? []}
        isLive={lobby.phase === "open"}
        emptyText="Nothing said yet."
        width={width}
        height={height - header}
        now={now}
      />
    </Box>
  );
}
