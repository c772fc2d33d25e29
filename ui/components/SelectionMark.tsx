/** The marks in front of a row, visible without colour (NO_COLOR): › selected, ● marked for a bulk action. */
import { Text } from "ink";

export interface SelectionMarkProps {
  readonly isSelected: boolean;
  readonly isMarked?: boolean;
}

export function SelectionMark({ isSelected, isMarked }: SelectionMarkProps) {
  return (
    <Text inverse={isSelected}>
      {isSelected ? "›" : " "}
      {isMarked ? "●" : " "}
    </Text>
  );
}
