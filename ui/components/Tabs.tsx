/**
 * The views, with their number keys; the current one in brackets (visible
 * without colour). Every tab stays on the row at any width the console runs
 * in: when the full titles do not fit, the other tabs get short titles, then
 * only their numbers; the current tab keeps its full title.
 */
import { Box, Text } from "ink";
import { REGISTRY, keyLabel } from "../keys/registry.js";
import { VIEWS, VIEW_TITLES, type ViewId } from "../state/console-state.js";

/** Titles for a narrow terminal (80 columns): every tab fits with the longest current one. */
const SHORT_TITLES: Readonly<Record<ViewId, string>> = {
  knocks: "Knocks",
  vetting: "Vet",
  codes: "Codes",
  log: "Log",
  health: "Health",
  daemon: "Daemon",
  triage: "Triage",
  blocklist: "Block",
  members: "Members",
};

export interface TabLabel {
  readonly id: ViewId;
  /** Plain space before the tab. */
  readonly gap: string;
  readonly text: string;
  readonly isCurrent: boolean;
}

type Layout = { readonly title: (id: ViewId) => string | undefined; readonly padded: boolean };

/** Widest first; the first that fits is used. */
const LAYOUTS: readonly Layout[] = [
  { title: (id) => VIEW_TITLES[id], padded: true },
  { title: (id) => VIEW_TITLES[id], padded: false },
  { title: (id) => SHORT_TITLES[id], padded: false },
  { title: () => undefined, padded: false },
];

function keyOf(id: ViewId): string {
  return keyLabel(REGISTRY.find((binding) => binding.id === id)?.keys ?? []);
}

/** The tab row's pieces for a terminal `width` columns wide. */
export function tabLabels(view: ViewId, width: number): readonly TabLabel[] {
  let labels: TabLabel[] = [];
  for (const layout of LAYOUTS) {
    labels = VIEWS.map((id, index) => {
      const isCurrent = id === view;
      const title = isCurrent ? VIEW_TITLES[id] : layout.title(id);
      const label = title === undefined ? keyOf(id) : `${keyOf(id)} ${title}`;
      const text = isCurrent ? `[${label}]` : layout.padded ? ` ${label} ` : label;
      return { id, gap: layout.padded || index === 0 ? "" : " ", text, isCurrent };
    });
    if (rowWidth(labels) <= width) break;
  }
  return labels;
}

/** Columns the row takes (the labels are ASCII: one column a character). */
export function rowWidth(labels: readonly TabLabel[]): number {
  return labels.reduce((sum, label) => sum + label.gap.length + label.text.length, 0);
}

export function Tabs({ view, width = 80 }: { readonly view: ViewId; readonly width?: number }) {
  return (
    <Box height={1}>
      <Text wrap="truncate-end">
        {tabLabels(view, width).map(({ id, gap, text, isCurrent }) => (
          <Text key={id}>
            {gap}
            {isCurrent ? (
              <Text bold inverse>
                {text}
              </Text>
            ) : (
              text
            )}
          </Text>
        ))}
      </Text>
    </Box>
  );
}
