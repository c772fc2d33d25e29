/**
 * `?`: every binding of the registry with its keys and what it does, searchable;
 * Enter runs the selected one. Disabled bindings say why, here as on the keys.
 */
import { Box, Text } from "ink";
import { useConsoleSettings, useConsoleState, usePalette } from "../console-context.js";
import { bindingContext, searchBindings } from "../keys/binding-context.js";
import { keyLabel, type Binding } from "../keys/registry.js";
import { sanitize } from "../sanitize.js";
import { WindowedList } from "./WindowedList.js";

export interface HelpScreenProps {
  readonly query: string;
  readonly index: number;
  readonly width: number;
  readonly height: number;
}

export function HelpScreen({ query, index, width, height }: HelpScreenProps) {
  const palette = usePalette();
  const state = useConsoleState();
  const { readonly } = useConsoleSettings();
  const ctx = bindingContext(state, readonly);
  const found = searchBindings(query);
  const keysWidth = 14;
  const idWidth = 15;
  const rest = Math.max(10, width - 2 - keysWidth - idWidth);
  const note = (binding: Binding) => {
    if (!binding.screens.includes(ctx.screen)) return "not in this view";
    return binding.disabled(ctx);
  };
  return (
    <Box flexDirection="column" height={height}>
      <Text wrap="truncate-end">
        <Text bold>Help</Text> · {found.length} of the keys · search: {sanitize(query)}▌
      </Text>
      <WindowedList
        items={found}
        selectedIndex={Math.min(index, found.length - 1)}
        height={height - 1}
        emptyText="Nothing matches; Backspace to search again."
        renderRow={(binding, isSelected) => {
          const why = note(binding);
          return (
            <Box key={binding.id} height={1}>
              <Text inverse={isSelected}>{isSelected ? "› " : "  "}</Text>
              <Box width={keysWidth} flexShrink={0}>
                <Text bold wrap="truncate-end">
                  {keyLabel(binding.keys)}
                </Text>
              </Box>
              <Box width={idWidth} flexShrink={0}>
                <Text color={palette.accent} wrap="truncate-end">
                  :{binding.id}
                </Text>
              </Box>
              <Box width={rest}>
                <Text wrap="truncate-end" dimColor={why !== undefined}>
                  {binding.description}
                  {binding.args ? ` ${binding.args}` : ""}
                  {why ? ` (${why})` : ""}
                </Text>
              </Box>
            </Box>
          );
        }}
      />
    </Box>
  );
}
