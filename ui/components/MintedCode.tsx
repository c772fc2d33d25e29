/** A code just minted: the code itself and the link to hand out. */
import { usePalette } from "../console-context.js";
import { Box, Text } from "ink";
import { closeKeys } from "../keys/registry.js";
import type { Overlay } from "../state/console-state.js";
import { format } from "date-fns/format";
import { sanitize } from "../sanitize.js";

type Minted = Extract<Overlay, { kind: "minted" }>;

export function MintedCode({ minted, width }: { readonly minted: Minted; readonly width: number }) {
  const ends =
    minted.expiresAt === undefined
      ? "never ends"
      : `ends ${format(minted.expiresAt * 1000, "yyyy-MM-dd HH:mm")}`;
  const palette = usePalette();
  return (
    <Box
      flexDirection="column"
      borderStyle="round"
      borderColor={palette.good}
      paddingX={1}
      width={Math.min(width, 76)}
    >
      <Text bold>New {minted.book} code</Text>
      <Text>
        code: <Text bold>{sanitize(minted.code)}</Text>
      </Text>
      <Text>
        uses: {minted.uses} · label: {sanitize(minted.label) || "none"} · {ends}
      </Text>
      <Text wrap="wrap">link: {sanitize(minted.link)}</Text>
      <Text dimColor>y copies the link · v shows its QR code · {closeKeys()} closes</Text>
    </Box>
  );
}
