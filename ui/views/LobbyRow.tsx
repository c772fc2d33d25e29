/** One lobby in the Vetting view: its room, how many are in it, time left, the topic and keyword. */
import { usePalette } from "../console-context.js";
import { Box } from "ink";
import type { LobbyRecord } from "../../core/lobby/record.js";
import { Cell } from "../components/Cell.js";
import { SelectionMark } from "../components/SelectionMark.js";
import { displayLobby } from "../format/lobby-display.js";
import { timeLeft } from "../format/time.js";
import type { VettingColumns } from "./VettingRow.js";

export interface LobbyRowProps {
  readonly lobby: LobbyRecord;
  readonly isSelected: boolean;
  readonly columns: VettingColumns;
  readonly now: number;
}

export function LobbyRow({ lobby, isSelected, columns, now }: LobbyRowProps) {
  const palette = usePalette();
  const shown = displayLobby(lobby);
  const soon = lobby.expiresAt !== undefined && lobby.expiresAt - now < 10 * 60_000;
  const label = shown.label ? ` · ${shown.label}` : "";
  return (
    <Box height={1}>
      <SelectionMark isSelected={isSelected} />
      <Cell width={columns.who} isSelected={isSelected} isBold>
        {`lobby ${shown.name}${label}`}
      </Cell>
      <Cell width={columns.tries} isSelected={isSelected} color={palette.accent}>
        {lobby.phase === "opening" ? "—" : `${shown.joinedCount} in`}
      </Cell>
      <Cell width={columns.left} isSelected={isSelected} color={soon ? palette.warning : undefined}>
        {lobby.phase === "opening" ? "room being made" : timeLeft(lobby.expiresAt, now)}
      </Cell>
      <Cell width={columns.challenge} isSelected={isSelected} isDim>
        {`${shown.topic} · “${shown.keyword}”`}
      </Cell>
    </Box>
  );
}
