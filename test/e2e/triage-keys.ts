/** Driving the Triage view (7) in tmux, and reading the daemon's audit log, for the Triage e2e tests. */
import { join } from "node:path";
import { http as call } from "../unit/admin-fakes.js";
import type { TestDaemon } from "../harness/daemon.js";
import type { TmuxSession } from "./tmux.js";

/** A Triage row of that kind about that person, on screen. */
function rowOf(screen: string, kind: string, who: string): string | undefined {
  return screen.split("\n").find((line) => line.includes(kind) && line.includes(who));
}

/** On Triage, keeps only the rows about `who` and moves down until their `kind` row is selected. */
export async function selectTrouble(tmux: TmuxSession, kind: string, who: string): Promise<void> {
  // Esc clears the filter left from before; then the new one.
  await tmux.keys("7", "/", "Escape", "/");
  await tmux.type(who);
  await tmux.keys("Enter");
  await tmux.waitForScreen(`the ${kind} row of ${who} selected`, (s) => {
    const selected = s.split("\n").find((line) => line.includes("›") && line.includes(who));
    if (selected === undefined || selected.includes(kind)) return selected !== undefined;
    void tmux.keys("j");
    return false;
  });
}

/** Waits until Triage lists no `kind` row about `who` (the filter set by selectTrouble is cleared). */
export async function waitTroubleGone(tmux: TmuxSession, kind: string, who: string): Promise<void> {
  await tmux.keys("7", "/", "Escape");
  await tmux.waitForScreen(`the ${kind} row of ${who} gone from Triage`, (s) => {
    return s.includes("Triage") && rowOf(s, kind, who) === undefined;
  });
}

/** The daemon's audit entries of these types about `user`, newest first. */
export async function auditOf(
  daemon: TestDaemon,
  types: string,
  user: string,
): Promise<Record<string, unknown>[]> {
  const answer = await call(
    { socketPath: join(daemon.dataDir, "admin.sock") },
    "GET",
    `/admin/v1/audit?type=${types}&user=${encodeURIComponent(user)}`,
  );
  return answer.json.entries;
}
