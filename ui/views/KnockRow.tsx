/** One knock: when, what became of it, who, which code, the reason as given. */
import { usePalette } from "../console-context.js";
import { tone, type Tone } from "../theme.js";
import { Box } from "ink";
import type { VettingRecord } from "../../core/vetting/record.js";
import { Cell } from "../components/Cell.js";
import { SelectionMark } from "../components/SelectionMark.js";
import { displayRecord } from "../format/record-display.js";
import { relative } from "../format/time.js";

export interface KnockColumns {
  readonly age: number;
  readonly phase: number;
  readonly who: number;
  readonly code: number;
  readonly reason: number;
}

export function knockColumns(width: number): KnockColumns {
  const age = 12;
  const phase = 11;
  const code = width >= 100 ? 18 : 0;
  const flexible = Math.max(0, width - 2 - age - phase - code);
  const who = Math.max(12, Math.floor(flexible * 0.55));
  return { age, phase, who, code, reason: Math.max(0, flexible - who) };
}

const PHASE_TONES: Readonly<Record<string, Tone>> = {
  held: "warning",
  opening: "accent",
  open: "accent",
  passed: "good",
  failed: "danger",
  denied: "danger",
};

const quoted = (reason: string) => (reason ? `“${reason}”` : "no reason given");

export interface KnockRowProps {
  readonly record: VettingRecord;
  readonly isSelected: boolean;
  readonly columns: KnockColumns;
  readonly now: number;
}

export function KnockRow({ record, isSelected, columns, now }: KnockRowProps) {
  const palette = usePalette();
  const shown = displayRecord(record);
  return (
    <Box height={1}>
      <SelectionMark isSelected={isSelected} />
      <Cell width={columns.age} isSelected={isSelected} isDim>
        {relative(record.knockedAt, now)}
      </Cell>
      <Cell
        width={columns.phase}
        isSelected={isSelected}
        color={tone(palette, PHASE_TONES[record.phase])}
      >
        {shown.phase}
      </Cell>
      <Cell width={columns.who} isSelected={isSelected} isBold>
        {shown.who}
      </Cell>
      <Cell width={columns.code} isSelected={isSelected}>
        {shown.code}
      </Cell>
      <Cell width={columns.reason} isSelected={isSelected} isDim>
        {columns.code > 0 ? quoted(shown.reason) : `${shown.code} · ${quoted(shown.reason)}`}
      </Cell>
    </Box>
  );
}
