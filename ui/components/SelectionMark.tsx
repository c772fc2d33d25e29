/** The mark in front of the selected row: visible without colour (NO_COLOR). */
import { Text } from "ink";

export function SelectionMark({ isSelected }: { readonly isSelected: boolean }) {
  return <Text inverse={isSelected}>{isSelected ? "› " : "  "}</Text>;
}
