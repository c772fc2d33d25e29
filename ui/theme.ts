/**
 * The colours the views use, in one place, by what they mean. "dark" is the console's own
 * palette for dark terminals; "light" keeps every tone readable on a white background (no
 * yellow or cyan text). NO_COLOR still wins: run-console.ts turns all colour off before Ink loads.
 */
export const THEMES = ["dark", "light"] as const;
export type ThemeName = (typeof THEMES)[number];

export type Tone = "accent" | "warning" | "danger" | "good" | "newcomer" | "moderator";
export type Palette = Readonly<Record<Tone, string>>;

export const PALETTES: Readonly<Record<ThemeName, Palette>> = {
  dark: {
    accent: "cyan",
    warning: "yellow",
    danger: "red",
    good: "green",
    newcomer: "white",
    moderator: "magenta",
  },
  light: {
    accent: "blue",
    warning: "#9a5700",
    danger: "#c00000",
    good: "#007a1f",
    newcomer: "black",
    moderator: "magenta",
  },
};

/** A tone's colour, or none (the terminal's own) for what has no tone. */
export function tone(palette: Palette, which: Tone | undefined): string | undefined {
  return which === undefined ? undefined : palette[which];
}
