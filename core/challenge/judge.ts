/** Judging a newcomer's haiku: the rules of the reference challenge. */

export interface HaikuRules {
  readonly requireDisplayName: boolean;
  readonly lines: number;
  readonly minChars: number;
  readonly maxChars: number;
}

export const DEFAULT_HAIKU_RULES: HaikuRules = {
  requireDisplayName: true,
  lines: 3,
  minChars: 30,
  maxChars: 400,
};

export type Verdict = { pass: true } | { pass: false; reason: string };

export interface Reply {
  readonly body: string;
  readonly displayName: string | undefined;
}

export function judgeHaiku(reply: Reply, keyword: string, rules = DEFAULT_HAIKU_RULES): Verdict {
  if (rules.requireDisplayName && !reply.displayName?.trim()) {
    return { pass: false, reason: "set a display name in your Matrix client first" };
  }
  const text = withoutReplyFallback(reply.body).normalize("NFC").trim();
  const lines = text.split(/\r\n|\r|\n/).filter((line) => line.trim() !== "");
  if (lines.length !== rules.lines) {
    return {
      pass: false,
      reason: `a haiku has ${rules.lines} lines, yours has ${lines.length}`,
    };
  }
  const length = [...text].length;
  if (length < rules.minChars) {
    return { pass: false, reason: `too short (${length} characters, at least ${rules.minChars})` };
  }
  if (length > rules.maxChars) {
    return { pass: false, reason: `too long (${length} characters, at most ${rules.maxChars})` };
  }
  if (!containsWord(text, keyword)) {
    return { pass: false, reason: `the word "${keyword}" is missing` };
  }
  return { pass: true };
}

/** True when `word` stands in `text` as a whole word, in any case, in any script. */
export function containsWord(text: string, word: string): boolean {
  const escaped = word.normalize("NFC").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![\\p{L}\\p{M}\\p{N}_])${escaped}(?![\\p{L}\\p{M}\\p{N}_])`, "iu").test(
    text.normalize("NFC"),
  );
}

/** Clients prefix a reply with quoted lines ("> <@user> …") and a blank line. */
function withoutReplyFallback(body: string): string {
  const lines = body.split("\n");
  if (!lines[0]?.startsWith("> ")) return body;
  let i = 0;
  while (i < lines.length && lines[i]?.startsWith(">")) i++;
  return lines.slice(i).join("\n");
}
