/**
 * The bottom line: the keys that matter here, from the registry, `? help`
 * always first. Disabled ones stay (dimmed) so their place does not move;
 * in a dialog or a text field it shows that widget's keys instead.
 */
import { Box, Text } from "ink";
import { useConsoleSettings, useConsoleState } from "../console-context.js";
import { bindingContext } from "../keys/binding-context.js";
import { REGISTRY, keyLabel } from "../keys/registry.js";
import type { Overlay } from "../state/console-state.js";

interface Hint {
  readonly keys: string;
  readonly text: string;
  readonly isDisabled?: boolean;
}

const OVERLAY_HINTS: Readonly<Record<Overlay["kind"], readonly Hint[]>> = {
  help: [
    { keys: "type", text: "search" },
    { keys: "↑/↓", text: "select" },
    { keys: "Enter", text: "run" },
    { keys: "Esc", text: "close" },
  ],
  confirm: [
    { keys: "Tab/←/→", text: "switch" },
    { keys: "Enter", text: "choose" },
    { keys: "Esc", text: "cancel" },
  ],
  prompt: [
    { keys: "Enter", text: "ok" },
    { keys: "Esc", text: "cancel" },
    { keys: "C-u", text: "clear" },
  ],
  pickBook: [
    { keys: "i", text: "invite" },
    { keys: "s", text: "signup" },
    { keys: "t", text: "homeserver token" },
    { keys: "Esc", text: "cancel" },
  ],
  pickRole: [
    { keys: "j/k", text: "choose" },
    { keys: "Enter", text: "give" },
    { keys: "Esc", text: "cancel" },
  ],
  command: [
    { keys: "Tab", text: "complete" },
    { keys: "Enter", text: "run" },
    { keys: "Esc", text: "cancel" },
  ],
  filter: [
    { keys: "Enter", text: "keep" },
    { keys: "Esc", text: "clear" },
  ],
  minted: [
    { keys: "y", text: "copy link" },
    { keys: "v", text: "QR code" },
    { keys: "Enter/Esc", text: "close" },
  ],
  token: [
    { keys: "y", text: "copy token" },
    { keys: "Enter/Esc", text: "close" },
  ],
  codeLink: [
    { keys: "y", text: "copy link" },
    { keys: "i", text: "invert" },
    { keys: "Enter/Esc", text: "close" },
  ],
};

export function HintBar({ width }: { readonly width: number }) {
  const state = useConsoleState();
  const { readonly } = useConsoleSettings();
  let hints: readonly Hint[];
  if (state.overlay) {
    hints = OVERLAY_HINTS[state.overlay.kind];
  } else {
    const ctx = bindingContext(state, readonly);
    hints = REGISTRY.filter((binding) => binding.onBar && binding.screens.includes(ctx.screen)).map(
      (binding) => ({
        keys: keyLabel(binding.keys.slice(0, 1)),
        text: binding.hint,
        isDisabled: binding.disabled(ctx) !== undefined,
      }),
    );
  }
  // As many as fit, in registry order (`? help` is first in the registry).
  const shown: Hint[] = [];
  let used = 0;
  for (const hint of hints) {
    const length = hint.keys.length + hint.text.length + 3;
    if (used + length > width) break;
    shown.push(hint);
    used += length;
  }
  return (
    <Box height={1}>
      <Text wrap="truncate-end">
        {shown.map((hint) => (
          <Text key={`${hint.keys} ${hint.text}`} dimColor={hint.isDisabled}>
            <Text bold={!hint.isDisabled}>{hint.keys}</Text> {hint.text}
            {"  "}
          </Text>
        ))}
      </Text>
    </Box>
  );
}
