/** One code of either book: the code, its uses left, its label (and when it ends), who minted it. */
import { usePalette } from "../console-context.js";
import { Box } from "ink";
import { Cell } from "../components/Cell.js";
import { SelectionMark } from "../components/SelectionMark.js";
import { relative } from "../format/time.js";
import { sanitize } from "../sanitize.js";
import type { CodeRow } from "../state/rows.js";

export interface CodeColumns {
  readonly book: number;
  readonly code: number;
  readonly uses: number;
  readonly label: number;
  readonly by: number;
}

export function codeColumns(width: number): CodeColumns {
  const book = 8;
  // Room for a homeserver token as Synapse makes it (16 characters) and the cell's padding.
  const code = 17;
  const uses = 11;
  const flexible = Math.max(0, width - 2 - book - code - uses);
  const by = width >= 90 ? Math.floor(flexible * 0.35) : 0;
  return { book, code, uses, label: flexible - by, by };
}

export interface CodeLineProps {
  readonly row: CodeRow;
  readonly isSelected: boolean;
  readonly isMarked: boolean;
  readonly columns: CodeColumns;
  readonly nowSec: number;
}

export function CodeLine({ row, isSelected, isMarked, columns, nowSec }: CodeLineProps) {
  const palette = usePalette();
  const { entry } = row;
  const expired = entry.expires_at !== undefined && entry.expires_at <= nowSec;
  const spent = entry.uses_remaining <= 0;
  // A code with an end says when, so a moderator sees it before it lapses.
  const ends =
    entry.expires_at !== undefined && !expired
      ? `ends ${relative(entry.expires_at * 1000, nowSec * 1000)}`
      : undefined;
  return (
    <Box height={1}>
      <SelectionMark isSelected={isSelected} isMarked={isMarked} />
      <Cell width={columns.book} isSelected={isSelected} isDim>
        {row.book}
      </Cell>
      <Cell width={columns.code} isSelected={isSelected} isBold>
        {sanitize(row.code)}
      </Cell>
      <Cell
        width={columns.uses}
        isSelected={isSelected}
        color={spent || expired ? palette.danger : undefined}
      >
        {expired ? "expired" : `${entry.uses_remaining} left`}
      </Cell>
      <Cell width={columns.label} isSelected={isSelected}>
        {ends ? `${sanitize(entry.label)} · ${ends}` : sanitize(entry.label)}
      </Cell>
      <Cell width={columns.by} isSelected={isSelected} isDim>
        {sanitize(entry.minted_by ?? "")}
      </Cell>
    </Box>
  );
}
