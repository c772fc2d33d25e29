/**
 * View 7: what is stuck, most urgent first — effects the engine gave up on or
 * keeps retrying, rooms still being made, held knocks, rooms where nobody
 * answers, invites nobody accepted — each with the key that fixes it (f runs it).
 */
import type { Tone } from "../theme.js";
import { Box } from "ink";
import { WindowedList } from "../components/WindowedList.js";
import { Cell } from "../components/Cell.js";
import { SelectionMark } from "../components/SelectionMark.js";
import { useConsoleState, usePalette } from "../console-context.js";
import { displayLobby } from "../format/lobby-display.js";
import { displayRecord } from "../format/record-display.js";
import { relative } from "../format/time.js";
import { useNow } from "../hooks/use-now.js";
import { bindingById, keyLabel } from "../keys/registry.js";
import { sanitize } from "../sanitize.js";
import { rowsOf, selectedIndex } from "../state/rows.js";
import type { TriageItem } from "../state/triage.js";
import { ColumnHeads } from "./ColumnHeads.js";
import type { ListViewProps } from "./KnocksView.js";
import { ViewTitle } from "./ViewTitle.js";

const KIND_TONES: Readonly<Record<TriageItem["kind"], Tone>> = {
  failed: "danger",
  retrying: "danger",
  unreadable: "danger",
  stuck: "warning",
  held: "warning",
  awaiting: "warning",
  silent: "accent",
  "empty lobby": "accent",
  unanswered: "accent",
};

/** Who the trouble is about: the newcomer, the lobby, the person invited, or the last sender. */
function whoOf(subject: TriageItem["subject"]): string {
  if (subject.record) return displayRecord(subject.record).who;
  if (subject.lobby) return `lobby ${displayLobby(subject.lobby).name}`;
  if (subject.invite) return sanitize(subject.invite.user, { max: 255 });
  return sanitize(subject.undecryptable.last?.sender ?? "unknown sender", { max: 255 });
}

/** "R nudge": the fix's own key and hint, from the registry. */
export function fixLabel(item: TriageItem): string {
  const binding = bindingById(item.fix);
  if (!binding) return "";
  const hint = item.fix === "repost" ? "nudge" : binding.hint;
  return `${keyLabel(binding.keys.slice(0, 1))} ${hint}`;
}

function columnsOf(width: number) {
  const kind = 12;
  const since = 12;
  const fix = 14;
  const flexible = Math.max(0, width - 2 - kind - since - fix);
  const who = Math.max(12, Math.floor(flexible * 0.4));
  return { kind, since, who, detail: Math.max(0, flexible - who), fix };
}

export function TriageView({ width, height }: ListViewProps) {
  const palette = usePalette();
  const state = useConsoleState();
  const now = useNow(5000);
  const rows = rowsOf(state, "triage");
  const columns = columnsOf(width);
  return (
    <Box flexDirection="column" height={height}>
      <ViewTitle
        title="Triage"
        count={rows.length}
        filter={state.filters.triage}
        extra={rows.length > 0 ? "f runs the fix on the row" : "nothing is stuck"}
      />
      <ColumnHeads
        columns={[
          ["trouble", columns.kind],
          ["since", columns.since],
          ["who", columns.who],
          ["what", columns.detail],
          ["fix (f)", columns.fix],
        ]}
      />
      <WindowedList
        items={rows}
        selectedIndex={selectedIndex(state, "triage")}
        height={height - 2}
        emptyText="Nothing is stuck: no held knocks, no silent rooms, no failing effects, no unanswered invites."
        renderRow={(item, isSelected) => (
          <Box key={item.id} height={1}>
            <SelectionMark isSelected={isSelected} />
            <Cell
              width={columns.kind}
              isSelected={isSelected}
              color={palette[KIND_TONES[item.kind]]}
            >
              {item.kind}
            </Cell>
            <Cell width={columns.since} isSelected={isSelected} isDim>
              {relative(item.since, now)}
            </Cell>
            <Cell width={columns.who} isSelected={isSelected} isBold>
              {whoOf(item.subject)}
            </Cell>
            <Cell width={columns.detail} isSelected={isSelected}>
              {item.detail}
            </Cell>
            <Cell width={columns.fix} isSelected={isSelected} isBold>
              {fixLabel(item)}
            </Cell>
          </Box>
        )}
      />
    </Box>
  );
}
