/** One homeserver registration token in the Codes view, in the code rows' columns. */
import { usePalette } from "../console-context.js";
import { Box } from "ink";
import { Cell } from "../components/Cell.js";
import { SelectionMark } from "../components/SelectionMark.js";
import { tokenSpent, tokenState, tokenUses } from "../format/token-display.js";
import { sanitize } from "../sanitize.js";
import type { TokenRow } from "../state/rows.js";
import type { CodeColumns } from "./CodeLine.js";

export interface TokenLineProps {
  readonly row: TokenRow;
  readonly isSelected: boolean;
  readonly columns: CodeColumns;
  readonly nowMs: number;
}

export function TokenLine({ row, isSelected, columns, nowMs }: TokenLineProps) {
  const palette = usePalette();
  const { token } = row;
  const spent = tokenSpent(token, nowMs);
  const state = tokenState(token, nowMs);
  return (
    <Box height={1}>
      <SelectionMark isSelected={isSelected} />
      <Cell width={columns.book} isSelected={isSelected} isDim>
        token
      </Cell>
      <Cell width={columns.code} isSelected={isSelected} isBold>
        {sanitize(token.token)}
      </Cell>
      <Cell width={columns.uses} isSelected={isSelected} color={spent ? palette.danger : undefined}>
        {tokenUses(token)}
      </Cell>
      <Cell
        width={columns.label}
        isSelected={isSelected}
        color={spent ? palette.danger : undefined}
      >
        {spent === "used up" ? `used up · ${state}` : state}
      </Cell>
      <Cell width={columns.by} isSelected={isSelected} isDim>
        homeserver
      </Cell>
    </Box>
  );
}
