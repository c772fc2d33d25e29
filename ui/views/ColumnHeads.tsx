/** The column names above a list. */
import { Box, Text } from "ink";
import { Cell } from "../components/Cell.js";

export function ColumnHeads({ columns }: { readonly columns: readonly [string, number][] }) {
  return (
    <Box height={1}>
      <Text>{"  "}</Text>
      {columns.map(([name, width]) => (
        <Cell key={name} width={width} isDim>
          {name}
        </Cell>
      ))}
    </Box>
  );
}
