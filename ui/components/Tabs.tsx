/** The views, with their number keys; the current one in brackets (visible without colour). */
import { Box, Text } from "ink";
import { REGISTRY, keyLabel } from "../keys/registry.js";
import { VIEWS, VIEW_TITLES, type ViewId } from "../state/console-state.js";

export function Tabs({ view }: { readonly view: ViewId }) {
  return (
    <Box height={1}>
      <Text wrap="truncate-end">
        {VIEWS.map((id) => {
          const key = keyLabel(REGISTRY.find((binding) => binding.id === id)?.keys ?? []);
          const label = `${key} ${VIEW_TITLES[id]}`;
          return id === view ? (
            <Text key={id} bold inverse>
              [{label}]
            </Text>
          ) : (
            <Text key={id}> {label} </Text>
          );
        })}
      </Text>
    </Box>
  );
}
