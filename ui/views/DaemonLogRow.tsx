/** One line of the daemon's log: time, level, message, the rest of its fields. */
import { usePalette } from "../console-context.js";
import { tone, type Tone } from "../theme.js";
import { Box } from "ink";
import { Cell } from "../components/Cell.js";
import { SelectionMark } from "../components/SelectionMark.js";
import { displayLogLine } from "../format/log-line-display.js";
import { clock } from "../format/time.js";
import type { DaemonLogLine } from "../state/daemon-log.js";

export interface DaemonLogColumns {
  readonly time: number;
  readonly level: number;
  readonly msg: number;
  readonly details: number;
}

export function daemonLogColumns(width: number): DaemonLogColumns {
  const time = 12;
  const level = 7;
  const flexible = Math.max(0, width - 2 - time - level);
  const msg = Math.max(10, Math.floor(flexible * 0.5));
  return { time, level, msg, details: Math.max(0, flexible - msg) };
}

const LEVEL_TONES: Readonly<Record<string, Tone>> = {
  warn: "warning",
  error: "danger",
  fatal: "danger",
};

export interface DaemonLogRowProps {
  readonly line: DaemonLogLine;
  readonly isSelected: boolean;
  readonly columns: DaemonLogColumns;
  readonly now: number;
}

export function DaemonLogRow({ line, isSelected, columns, now }: DaemonLogRowProps) {
  const palette = usePalette();
  const shown = displayLogLine(line);
  return (
    <Box height={1}>
      <SelectionMark isSelected={isSelected} />
      <Cell width={columns.time} isSelected={isSelected} isDim>
        {line.time === undefined ? "" : clock(line.time, now)}
      </Cell>
      <Cell
        width={columns.level}
        isSelected={isSelected}
        color={tone(palette, LEVEL_TONES[shown.level])}
      >
        {shown.level}
      </Cell>
      <Cell width={columns.msg} isSelected={isSelected}>
        {shown.msg}
      </Cell>
      <Cell width={columns.details} isSelected={isSelected} isDim>
        {shown.details}
      </Cell>
    </Box>
  );
}
