/**
 * Copy to the moderator's own clipboard, wherever their terminal is: OSC 52
 * asks the terminal emulator to set its clipboard, and the request travels
 * back through SSH like any output. The text goes base64-encoded, so nothing
 * in it can end the sequence early.
 *
 * Inside tmux the sequence reaches the outer terminal one of two ways, and
 * which one works depends on the tmux settings: with `set-clipboard on` tmux
 * takes the plain sequence (and keeps a paste buffer); with `allow-passthrough
 * on` (tmux ≥ 3.3) it forwards a DCS "tmux;" wrapper as it is. Both are sent;
 * a terminal that gets both sets the same text twice.
 */

/** The terminal the console draws on, for the few things Ink cannot say. */
export interface TerminalPort {
  /**
   * Writes bytes that do not move the cursor or print anything, so Ink's
   * frame stays exactly as Ink drew it.
   */
  write(bytes: string): void;
  /** The console runs inside tmux ($TMUX is set). */
  readonly isTmux: boolean;
}

const ESC = "\x1b";
const BEL = "\x07";
const ST = `${ESC}\\`;

/** OSC 52 for the clipboard selection ("c"), ended with BEL (the widest support). */
export function osc52(text: string): string {
  return `${ESC}]52;c;${Buffer.from(text, "utf8").toString("base64")}${BEL}`;
}

/** tmux's passthrough: every ESC inside is doubled, the whole in DCS tmux; … ST. */
export function tmuxPassthrough(sequence: string): string {
  return `${ESC}Ptmux;${sequence.replaceAll(ESC, ESC + ESC)}${ST}`;
}

/** The bytes that put `text` on the clipboard of the terminal at the far end. */
export function clipboardBytes(text: string, isTmux: boolean): string {
  const plain = osc52(text);
  return isTmux ? plain + tmuxPassthrough(plain) : plain;
}

export function copyToClipboard(terminal: TerminalPort, text: string): void {
  terminal.write(clipboardBytes(text, terminal.isTmux));
}
