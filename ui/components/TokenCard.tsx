/** A homeserver registration token in full: just issued, or the one selected in the Codes view. */
import { usePalette } from "../console-context.js";
import { Box, Text } from "ink";
import { closeKeys } from "../keys/registry.js";
import { useNow } from "../hooks/use-now.js";
import { tokenState, tokenUses } from "../format/token-display.js";
import type { Overlay } from "../state/console-state.js";
import { sanitize } from "../sanitize.js";

type Shown = Extract<Overlay, { kind: "token" }>;

export function TokenCard({ shown, width }: { readonly shown: Shown; readonly width: number }) {
  const palette = usePalette();
  const nowMs = useNow(30_000);
  const { token } = shown;
  return (
    <Box
      flexDirection="column"
      borderStyle="round"
      borderColor={shown.isNew ? palette.good : undefined}
      paddingX={1}
      width={Math.min(width, 76)}
    >
      <Text bold>
        {shown.isNew ? "New homeserver registration token" : "Homeserver registration token"}
      </Text>
      <Text wrap="wrap">
        token: <Text bold>{sanitize(token.token)}</Text>
      </Text>
      <Text>
        {tokenUses(token)} · {tokenState(token, nowMs)}
      </Text>
      <Text wrap="wrap">
        It registers an account on the homeserver from any Matrix client (no link: hand out the
        token).
      </Text>
      <Text dimColor>y copies the token · {closeKeys()} closes</Text>
    </Box>
  );
}
