/**
 * A code's link and its QR code, side by side so it fits 80×24: the code is
 * 33–37 cells wide and 17–19 lines tall for a usual link. When the terminal
 * is too small for it, it says so and shows the link alone.
 */
import { usePalette } from "../console-context.js";
import { Box, Text } from "ink";
import { closeKeys } from "../keys/registry.js";
import { qrLines } from "../format/qr-lines.js";
import { sanitize } from "../sanitize.js";
import type { Overlay } from "../state/console-state.js";

type CodeLink = Extract<Overlay, { kind: "codeLink" }>;

export interface CodeLinkModalProps {
  readonly shown: CodeLink;
  readonly width: number;
  readonly height: number;
}

/** The text column beside the code needs at least this much room. */
const TEXT_WIDTH = 24;

export function CodeLinkModal({ shown, width, height }: CodeLinkModalProps) {
  const palette = usePalette();
  const lines = qrLines(shown.link, { isInverted: shown.isInverted });
  const qrWidth = lines[0]?.length ?? 0;
  const fits = qrWidth + 2 + TEXT_WIDTH <= width && lines.length <= height;
  const text = (
    <Box flexDirection="column" flexShrink={1}>
      <Text bold>
        {shown.book} code {sanitize(shown.code)}
      </Text>
      <Text wrap="wrap">{sanitize(shown.link)}</Text>
      <Box marginTop={1} flexDirection="column">
        {fits ? null : (
          <Text color={palette.warning} wrap="wrap">
            The QR code needs {qrWidth + 2 + TEXT_WIDTH}×{lines.length} and only {width}×{height}{" "}
            are free: enlarge the terminal to see it.
          </Text>
        )}
        <Text dimColor wrap="wrap">
          y copies the link · {fits ? "i inverts (light themes) · " : ""}
          {closeKeys()} closes
        </Text>
      </Box>
    </Box>
  );
  if (!fits) return text;
  return (
    <Box height={height} gap={2}>
      <Box flexDirection="column" flexShrink={0} width={qrWidth}>
        {lines.map((line, i) => (
          <Text key={i} wrap="truncate">
            {line}
          </Text>
        ))}
      </Box>
      {text}
    </Box>
  );
}
