/**
 * The top line: the mode word (the only visible difference between attached
 * and in-process), what needs attention (a lost daemon, read-only), counts, who.
 */
import { Box, Text } from "ink";
import { useConsoleSettings, useConsoleState, usePalette } from "../console-context.js";
import { sanitize } from "../sanitize.js";
import type { ConsoleState } from "../state/console-state.js";
import { CONNECTING } from "../state/engine-feed.js";

function counts(state: ConsoleState) {
  let held = 0;
  let vetting = 0;
  for (const record of state.records.values()) {
    if (record.phase === "held") held++;
    else if (record.phase === "open" || record.phase === "opening") vetting++;
  }
  let lobbies = 0;
  for (const lobby of state.lobbies.values()) {
    if (lobby.phase === "open" || lobby.phase === "opening") lobbies++;
  }
  const codes = Object.keys(state.codes.invite).length + Object.keys(state.codes.signup).length;
  return { held, vetting, lobbies, codes };
}

export function Header() {
  const palette = usePalette();
  const state = useConsoleState();
  const { mode, by, readonly } = useConsoleSettings();
  const { held, vetting, lobbies, codes } = counts(state);
  return (
    <Box height={1}>
      <Text wrap="truncate-end">
        <Text bold>anteroom</Text>
        <Text> · </Text>
        <Text bold color={palette.accent}>
          {mode}
        </Text>
        {state.offline !== undefined ? (
          <Text bold color={state.offline === CONNECTING ? palette.warning : palette.danger}>
            {state.offline === CONNECTING
              ? " · connecting…"
              : ` · reconnecting (${sanitize(state.offline, { max: 80 })})`}
          </Text>
        ) : null}
        {readonly ? (
          <Text bold color={palette.warning}>
            {" "}
            · READ-ONLY
          </Text>
        ) : null}
        <Text>
          {" "}
          · {held} held · {vetting} vetting
          {lobbies > 0 ? ` · ${lobbies} ${lobbies === 1 ? "lobby" : "lobbies"}` : ""} · {codes}{" "}
          codes · {sanitize(by, { max: 40 })}
        </Text>
      </Text>
    </Box>
  );
}
