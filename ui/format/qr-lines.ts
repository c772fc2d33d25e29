/**
 * A QR code as lines of text: two modules per character cell (▀ ▄ █ and
 * space), so a join link fits a quarter of an 80×24 terminal. Drawn light on
 * dark by default — most terminals over SSH are dark, and the code's light
 * parts must be the ones the terminal paints — or inverted for light themes.
 */
import QRCode from "qrcode";

/** Light modules around the code; the standard asks for 4, phones read 2 fine. */
const QUIET_ZONE = 2;

export interface QrOptions {
  /** Dark modules drawn as filled cells (for a terminal with a light background). */
  readonly isInverted?: boolean;
}

export function qrLines(text: string, options: QrOptions = {}): string[] {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: "L" });
  const size = modules.size + 2 * QUIET_ZONE;
  // Whether a cell is painted with the terminal's foreground colour.
  const painted = (row: number, col: number): boolean => {
    const r = row - QUIET_ZONE;
    const c = col - QUIET_ZONE;
    const inCode = r >= 0 && c >= 0 && r < modules.size && c < modules.size;
    const dark = inCode && modules.get(r, c) === 1;
    return options.isInverted ? dark : !dark;
  };
  const lines: string[] = [];
  for (let row = 0; row < size; row += 2) {
    let line = "";
    for (let col = 0; col < size; col++) {
      const top = painted(row, col);
      // An odd last row: the half below the code is quiet zone too.
      const bottom = row + 1 < size ? painted(row + 1, col) : !options.isInverted;
      line += top && bottom ? "█" : top ? "▀" : bottom ? "▄" : " ";
    }
    lines.push(line);
  }
  return lines;
}
