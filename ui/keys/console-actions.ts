/** What key bindings may ask of the console: the controller implements it. */
import type { ModeratorAction } from "../../core/vetting-commands.js";
import type { VettingRecord } from "../../core/vetting.js";
import type { ViewId } from "../state/console-state.js";
import type { CodeRow } from "../state/rows.js";

export interface ConsoleActions {
  showHelp(): void;
  askQuit(): void;
  showView(view: ViewId): void;
  cycleView(step: 1 | -1): void;
  move(delta: number): void;
  moveToEnd(end: "top" | "bottom"): void;
  page(direction: 1 | -1): void;
  openDetail(): void;
  back(): void;
  clearFilter(): void;
  editFilter(text?: string): void;
  openCommandLine(): void;
  togglePause(): void;
  toggleFollow(): void;
  /** Runs a moderator command on a record now (the non-destructive ones). */
  moderate(record: VettingRecord, action: ModeratorAction): void;
  /** Reject: confirm, then ask for the reason unless one is given. */
  askReject(record: VettingRecord, reason?: string): void;
  askClose(record: VettingRecord): void;
  askSay(record: VettingRecord, text?: string): void;
  startMint(): void;
  askRevoke(row: CodeRow): void;
  /** Tells the moderator something went wrong with what they asked for. */
  refuse(text: string): void;
}
