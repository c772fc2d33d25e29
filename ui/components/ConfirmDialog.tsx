/** A question with two buttons; destructive ones open with Cancel focused. */
import { usePalette } from "../console-context.js";
import { Box, Text } from "ink";
import { sanitize } from "../sanitize.js";
import type { ConfirmDialog as Dialog } from "../state/console-state.js";

function Button({ label, isFocused }: { readonly label: string; readonly isFocused: boolean }) {
  return (
    <Text inverse={isFocused} bold={isFocused}>
      {isFocused ? `› ${label} ‹` : `  ${label}  `}
    </Text>
  );
}

export function ConfirmDialog({
  dialog,
  width,
}: {
  readonly dialog: Dialog;
  readonly width: number;
}) {
  const palette = usePalette();
  return (
    <Box
      flexDirection="column"
      borderStyle="round"
      borderColor={dialog.destructive ? palette.danger : palette.accent}
      paddingX={1}
      width={Math.min(width, 76)}
    >
      <Text bold wrap="truncate-end">
        {dialog.title}
      </Text>
      {dialog.lines.map((line) => (
        <Text key={line} wrap="truncate-end">
          {line}
        </Text>
      ))}
      {dialog.typeWord === undefined ? null : (
        <Text wrap="truncate-end">
          type <Text bold>{dialog.typeWord}</Text>: {sanitize(dialog.typed ?? "")}▌
          {dialog.typed?.trim().toLowerCase() === dialog.typeWord ? " ✓" : ""}
        </Text>
      )}
      <Box marginTop={1} gap={2}>
        <Button label="Cancel" isFocused={dialog.focus === "cancel"} />
        <Button label={dialog.confirmLabel} isFocused={dialog.focus === "confirm"} />
      </Box>
    </Box>
  );
}
