/** One audit entry: when, what, who, and the rest of its fields. */
import { usePalette } from "../console-context.js";
import { Box } from "ink";
import { Cell } from "../components/Cell.js";
import { SelectionMark } from "../components/SelectionMark.js";
import { displayAudit } from "../format/audit-display.js";
import { clock } from "../format/time.js";
import type { AuditLine } from "../state/console-state.js";

export interface AuditColumns {
  readonly time: number;
  readonly type: number;
  readonly user: number;
  readonly details: number;
}

export function auditColumns(width: number): AuditColumns {
  const time = 12;
  const type = 22;
  const flexible = Math.max(0, width - 2 - time - type);
  const user = Math.max(10, Math.floor(flexible * 0.35));
  return { time, type, user, details: Math.max(0, flexible - user) };
}

export interface AuditRowProps {
  readonly line: AuditLine;
  readonly isSelected: boolean;
  readonly columns: AuditColumns;
  readonly now: number;
}

export function AuditRow({ line, isSelected, columns, now }: AuditRowProps) {
  const palette = usePalette();
  const shown = displayAudit(line);
  return (
    <Box height={1}>
      <SelectionMark isSelected={isSelected} />
      <Cell width={columns.time} isSelected={isSelected} isDim>
        {clock(line.ts * 1000, now)}
      </Cell>
      <Cell width={columns.type} isSelected={isSelected} color={palette.accent}>
        {shown.type}
      </Cell>
      <Cell width={columns.user} isSelected={isSelected}>
        {shown.user}
      </Cell>
      <Cell width={columns.details} isSelected={isSelected} isDim>
        {shown.details}
      </Cell>
    </Box>
  );
}
