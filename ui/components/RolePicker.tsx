/** Which role to give a member: the configured roles, one selected. */
import { Box, Text } from "ink";
import { useConsoleState } from "../console-context.js";
import { sanitize } from "../sanitize.js";

export function RolePicker({ width, user, index }: { width: number; user: string; index: number }) {
  const { roles } = useConsoleState().moderation;
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} width={Math.min(width, 76)}>
      <Text bold wrap="truncate-end">
        Role for {sanitize(user, { max: 200 })} in the space and every room:
      </Text>
      {roles.map((role, i) => (
        <Text key={role.name} inverse={i === index} wrap="truncate-end">
          {i === index ? "› " : "  "}
          {sanitize(role.name, { max: 40 })} ({role.level})
        </Text>
      ))}
      <Text dimColor>j/k or ↑/↓ choose · Enter gives it · Esc cancels</Text>
    </Box>
  );
}
