/** The terminal's size, following resizes (an SSH window dragged smaller, tmux splits). */
import { useStdout } from "ink";
import { useEffect, useState } from "react";

export interface TerminalSize {
  readonly columns: number;
  readonly rows: number;
}

type Sized = NodeJS.WritableStream & { readonly columns?: number; readonly rows?: number };

/** 80×24 where the stream does not know (a pipe, a test's fake terminal). */
export function measureTerminal(stdout: Sized): TerminalSize {
  return { columns: stdout.columns || 80, rows: stdout.rows || 24 };
}

export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => measureTerminal(stdout));
  useEffect(() => {
    const onResize = () =>
      setSize((last) => {
        const next = measureTerminal(stdout);
        return next.columns === last.columns && next.rows === last.rows ? last : next;
      });
    stdout.on("resize", onResize);
    onResize();
    return () => {
      stdout.off("resize", onResize);
    };
  }, [stdout]);
  return size;
}
