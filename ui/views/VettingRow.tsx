/** One vetting room: who, tries left, time left, the topic and keyword. */
import { usePalette } from "../console-context.js";
import { Box } from "ink";
import type { VettingRecord } from "../../core/vetting/record.js";
import { Cell } from "../components/Cell.js";
import { SelectionMark } from "../components/SelectionMark.js";
import { displayRecord } from "../format/record-display.js";
import { timeLeft } from "../format/time.js";

export interface VettingColumns {
  readonly who: number;
  readonly tries: number;
  readonly left: number;
  readonly challenge: number;
}

export function vettingColumns(width: number): VettingColumns {
  const tries = 7;
  const left = 16;
  const flexible = Math.max(0, width - 2 - tries - left);
  const who = Math.max(12, Math.floor(flexible * 0.5));
  return { who, tries, left, challenge: Math.max(0, flexible - who) };
}

export interface VettingRowProps {
  readonly record: VettingRecord;
  readonly isSelected: boolean;
  readonly columns: VettingColumns;
  readonly now: number;
}

export function VettingRow({ record, isSelected, columns, now }: VettingRowProps) {
  const palette = usePalette();
  const shown = displayRecord(record);
  const soon = record.expiresAt !== undefined && record.expiresAt - now < 10 * 60_000;
  return (
    <Box height={1}>
      <SelectionMark isSelected={isSelected} />
      <Cell width={columns.who} isSelected={isSelected} isBold>
        {shown.who}
      </Cell>
      <Cell
        width={columns.tries}
        isSelected={isSelected}
        color={record.triesLeft <= 1 ? palette.warning : undefined}
      >
        {record.phase === "opening" ? "—" : String(record.triesLeft)}
      </Cell>
      <Cell width={columns.left} isSelected={isSelected} color={soon ? palette.warning : undefined}>
        {record.phase === "opening" ? "room being made" : timeLeft(record.expiresAt, now)}
      </Cell>
      <Cell width={columns.challenge} isSelected={isSelected} isDim>
        {shown.topic ? `${shown.topic} · “${shown.keyword}”` : ""}
      </Cell>
    </Box>
  );
}
