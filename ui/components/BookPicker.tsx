/** Which book: the first step of a new code (or a homeserver token), or of an edit in $EDITOR. */
import { Box, Text } from "ink";

export interface BookPickerProps {
  readonly width: number;
  readonly purpose: "mint" | "edit";
}

export function BookPicker({ width, purpose }: BookPickerProps) {
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} width={Math.min(width, 76)}>
      <Text bold>
        {purpose === "mint" ? "New code: which book?" : "Edit which book in your editor?"}
      </Text>
      <Text>
        <Text bold>i</Text> invite codes (a knock with one opens a vetting room) · Enter
      </Text>
      <Text>
        <Text bold>s</Text> signup codes (create an account on the homeserver)
      </Text>
      {purpose === "mint" ? (
        <Text>
          <Text bold>t</Text> homeserver registration token (for any Matrix client)
        </Text>
      ) : null}
      <Text dimColor>Esc cancels</Text>
    </Box>
  );
}
