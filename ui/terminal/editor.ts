/**
 * Hands the terminal to the moderator's editor ($VISUAL, else $EDITOR, else
 * vi) on a private temporary file, and gives back what they saved. Ink
 * suspends itself meanwhile (raw mode off, the alternate screen left) and
 * redraws the whole console afterwards.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";

/** Runs `work` with the terminal handed over (Ink's `suspendTerminal`). */
export type SuspendTerminal = (work: () => Promise<void>) => Promise<void>;

/** Edits `text` in an editor and resolves with the text saved; rejects when the editor fails. */
export type EditText = (text: string, name: string) => Promise<string>;

/** The editor command, split into the program and its arguments ("code --wait"). */
export function editorCommand(env: NodeJS.ProcessEnv): string[] {
  const chosen = (env.VISUAL?.trim() || env.EDITOR?.trim() || "vi").split(/\s+/);
  return chosen.filter(Boolean);
}

export function terminalEditor(
  suspend: SuspendTerminal,
  env: NodeJS.ProcessEnv = process.env,
  stdin: NodeJS.ReadStream = process.stdin,
): EditText {
  return async (text, name) => {
    // A directory only this user can read: code books are secrets.
    const dir = await mkdtemp(join(tmpdir(), "anteroom-edit-"));
    const file = join(dir, name);
    try {
      await writeFile(file, text, { mode: 0o600 });
      const [program = "vi", ...args] = editorCommand(env);
      let failure: string | undefined;
      await suspend(async () => {
        const resumeReading = stopReading(stdin);
        const result = await execa(program, [...args, file], { stdio: "inherit", reject: false });
        resumeReading();
        if (result.failed) {
          failure =
            result.exitCode === undefined
              ? `the editor ${program} could not be started (${result.code ?? "unknown error"}); set $EDITOR`
              : `the editor ${program} exited with ${result.exitCode}`;
        }
      });
      if (failure) throw new Error(failure);
      return await readFile(file, "utf8");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

interface ReadHandle {
  reading?: boolean;
  readStop?: () => number;
  readStart?: () => number;
}

/**
 * Stops this process reading the terminal while the editor has it. Ink only
 * takes its listener off stdin, and `pause()` does not stop a TTY stream
 * either: a read left pending in Node would take keys typed into the editor.
 * Node offers no public way to stop it, hence the stream's handle; where the
 * handle is not as expected, nothing is done.
 */
function stopReading(stdin: NodeJS.ReadStream): () => void {
  const handle = (stdin as unknown as { _handle?: ReadHandle })._handle;
  if (!handle?.reading || typeof handle.readStop !== "function") return () => {};
  const { readStart } = handle;
  if (typeof readStart !== "function") return () => {};
  handle.reading = false;
  handle.readStop();
  return () => {
    handle.reading = true;
    readStart.call(handle);
  };
}
