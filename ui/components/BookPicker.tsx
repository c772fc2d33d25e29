/** First step of a new code: which book it goes in. */
import { Box, Text } from "ink";

export function BookPicker({ width }: { readonly width: number }) {
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} width={Math.min(width, 76)}>
      <Text bold>New code: which book?</Text>
      <Text>
        <Text bold>i</Text> invite code (a knock with it opens a vetting room) · Enter
      </Text>
      <Text>
        <Text bold>s</Text> signup code (creates an account on the homeserver)
      </Text>
      <Text dimColor>Esc cancels</Text>
    </Box>
  );
}
