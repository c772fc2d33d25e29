/** The line above the hints: the field being typed into, or the outcome of the last command. */
import { Box, Text } from "ink";
import { useConsoleState, usePalette } from "../console-context.js";
import { completions } from "../keys/command-line.js";
import { sanitize } from "../sanitize.js";

const CURSOR = "▌";

export function StatusLine() {
  const palette = usePalette();
  const state = useConsoleState();
  const { overlay, notice } = state;
  if (overlay?.kind === "prompt") {
    return (
      <Box height={1}>
        <Text wrap="truncate-start">
          {notice?.tone === "error" ? (
            <Text color={palette.danger}>✗ {sanitize(notice.text)} · </Text>
          ) : null}
          <Text bold>{overlay.label}: </Text>
          {sanitize(overlay.value)}
          {CURSOR}
        </Text>
      </Box>
    );
  }
  if (overlay?.kind === "command") {
    const matches = completions(overlay.value);
    return (
      <Box height={1}>
        <Text wrap="truncate-end">
          <Text bold>:</Text>
          {sanitize(overlay.value)}
          {CURSOR}
          {overlay.value && matches.length > 0 ? <Text dimColor> {matches.join(" ")}</Text> : null}
        </Text>
      </Box>
    );
  }
  if (overlay?.kind === "filter") {
    return (
      <Box height={1}>
        <Text wrap="truncate-start">
          <Text bold>/</Text>
          {sanitize(state.filters[state.view])}
          {CURSOR}
        </Text>
      </Box>
    );
  }
  if (!notice) return <Box height={1} />;
  const color =
    notice.tone === "error"
      ? palette.danger
      : notice.tone === "busy"
        ? palette.warning
        : palette.good;
  const mark = notice.tone === "error" ? "✗ " : notice.tone === "busy" ? "… " : "✓ ";
  return (
    <Box height={1}>
      <Text wrap="truncate-end" color={color}>
        {mark}
        {sanitize(notice.text)}
      </Text>
    </Box>
  );
}
