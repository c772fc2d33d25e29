/**
 * Fuzzy name comparison for the blocklist: is this localpart or display name a
 * disguised copy of a blocked one? Both names are folded the same way, in
 * steps — case, look-alike letters and accents, separators, a trailing digit
 * suffix, leet-speak — and then compared by edit distance (with transpositions)
 * under a limit that grows with the blocked name's length. A hit says which
 * steps it needed, found by switching each step off and seeing the match get worse.
 */

export type FoldStep = "case" | "confusables" | "separators" | "digit suffix" | "leet";

const FOLD_STEPS: readonly FoldStep[] = [
  "case",
  "confusables",
  "separators",
  "digit suffix",
  "leet",
];

const STEP_WORDING: Record<FoldStep, string> = {
  case: "case folding",
  confusables: "look-alike letters and accents folded",
  separators: "separators ignored",
  "digit suffix": "digit suffix",
  leet: "leet-speak folding",
};

/** `"аa ßss"` → { а: "a", ß: "ss" }: the first character of each pair maps to the rest. */
function pairs(spec: string): Map<string, string> {
  return new Map(
    spec.split(" ").map((pair) => {
      const [from = "", ...to] = [...pair];
      return [from, to.join("")];
    }),
  );
}

// Letters from other scripts that render like Latin ones (the common spoofs), and
// Latin letters that NFKD does not take apart.
const CONFUSABLES = pairs(
  "аa вb еe кk мm нh оo рp сc тt уy хx іi јj ѕs ԁd ԛq ԝw һh " +
    "αa βb εe ηn ιi κk νv οo ρp τt υu χx ωw łl øo đd ħh ıi ßss æae œoe þth",
);

// Symbols people swap in for letters. '1', '!', '|' and 'l' all read as a thin
// vertical stroke, so they fold to one letter on both sides of a comparison.
const LEET = pairs("0o 1i 2z 3e 4a 5s 6g 7t 8b 9g $s @a !i |i +t €e li");
const LEET_SYMBOLS = "$@!|+€";

function foldConfusables(text: string): string {
  let out = "";
  for (const char of text.normalize("NFKD").replace(/\p{M}/gu, "")) {
    const lower = char.toLowerCase();
    const mapped = CONFUSABLES.get(lower);
    out += mapped === undefined ? char : char === lower ? mapped : mapped.toUpperCase();
  }
  return out;
}

function dropSeparators(text: string): string {
  let out = "";
  // A closing "!!" is punctuation, not two letters.
  for (const char of text.replace(/!+\s*$/u, "")) {
    if (/[\p{L}\p{N}]/u.test(char) || LEET_SYMBOLS.includes(char)) out += char;
  }
  return out;
}

function foldLeet(text: string): string {
  let out = "";
  for (const char of text) out += LEET.get(char) ?? char;
  // Letter pairs that pass for one letter at a glance: "spamrner", "vvolf".
  return out.replaceAll("rn", "m").replaceAll("vv", "w");
}

/** `spammer99` → `spammer`; only when a name of at least three characters is left. */
function stripDigitSuffix(text: string): string | undefined {
  const match = /^(.*\D)\d+$/su.exec(text);
  const stem = match?.[1];
  return stem !== undefined && [...stem].length >= 3 ? stem : undefined;
}

/**
 * The folded forms of a name (one, or two when a digit suffix can be dropped),
 * with `skip` left out so the caller can tell which step a match needed.
 */
export function foldedForms(text: string, skip?: FoldStep): string[] {
  let base = text;
  if (skip !== "confusables") base = foldConfusables(base);
  if (skip !== "case") base = base.toLowerCase();
  if (skip !== "separators") base = dropSeparators(base);
  const forms = [base];
  if (skip !== "digit suffix") {
    const stem = stripDigitSuffix(base);
    if (stem !== undefined) forms.push(stem);
  }
  const finished = skip === "leet" ? forms : forms.map(foldLeet);
  return [...new Set(finished)].filter((form) => form.length > 0);
}

/** How many edits a blocked name of this (folded) length tolerates: short names need an exact fold. */
export function editBudget(foldedLength: number): number {
  if (foldedLength <= 4) return 0;
  if (foldedLength <= 7) return 1;
  return 2;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent transpositions),
 * giving up with `limit + 1` as soon as the answer must exceed `limit`. Only
 * the band of cells within `limit` of the diagonal can stay under the limit,
 * so only those are computed.
 */
export function editDistance(a: string, b: string, limit: number): number {
  if (a === b) return 0;
  const over = limit + 1;
  // Lengths in code units equal lengths in characters unless a surrogate pair is present.
  if (Math.abs(a.length - b.length) > limit && !SURROGATE.test(a) && !SURROGATE.test(b))
    return over;
  const x = [...a];
  const y = [...b];
  if (Math.abs(x.length - y.length) > limit) return over;
  let before = new Array<number>(y.length + 1).fill(over);
  let previous = Array.from({ length: y.length + 1 }, (_, j) => Math.min(j, over));
  for (let i = 1; i <= x.length; i++) {
    const current = new Array<number>(y.length + 1).fill(over);
    current[0] = Math.min(i, over);
    let rowMin = current[0];
    for (let j = Math.max(1, i - limit); j <= Math.min(y.length, i + limit); j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) {
        best = Math.min(best, before[j - 2]! + 1);
      }
      best = Math.min(best, over);
      current[j] = best;
      rowMin = Math.min(rowMin, best);
    }
    if (rowMin > limit) return over;
    before = previous;
    previous = current;
  }
  return previous[y.length]!;
}

/** A name folded once, to compare against many others. */
export interface FoldedName {
  raw: string;
  forms: string[];
  /** Edits tolerated when this is the blocked name. */
  budget: number;
}

// Names are short; a hostile 64 KiB display name is judged by its start.
const MAX_COMPARED_LENGTH = 256;

export function foldName(name: string): FoldedName {
  const raw = name.slice(0, MAX_COMPARED_LENGTH);
  const forms = foldedForms(raw);
  // Judged by the shortest form: "jpetrov2024" is a 7-letter name, not an 11-letter one.
  const shortest = Math.min(...forms.map((form) => [...form].length));
  return { raw, forms, budget: forms.length === 0 ? 0 : editBudget(shortest) };
}

export interface FuzzyHit {
  distance: number;
  steps: FoldStep[];
  /** "leet-speak folding, digit suffix" / "edit distance 1". */
  explanation: string;
}

function closest(candidateForms: string[], blockedForms: string[], limit: number): number {
  let best = limit + 1;
  for (const c of candidateForms) {
    for (const b of blockedForms) best = Math.min(best, editDistance(c, b, limit));
  }
  return best;
}

/**
 * Whether `candidate` is a disguised `blocked` name. Identical strings are the
 * caller's exact match, not a fuzzy one, and return undefined here.
 */
export function fuzzyMatch(candidate: FoldedName, blocked: FoldedName): FuzzyHit | undefined {
  if (candidate.raw === blocked.raw || blocked.forms.length === 0) return undefined;
  const distance = closest(candidate.forms, blocked.forms, blocked.budget);
  if (distance > blocked.budget) return undefined;
  // Only for a hit: which steps it needed, by leaving each out in turn.
  const steps = FOLD_STEPS.filter((step) => {
    const without = closest(
      foldedForms(candidate.raw, step),
      foldedForms(blocked.raw, step),
      distance,
    );
    return without > distance;
  });
  const parts = steps.map((step) => STEP_WORDING[step]);
  if (distance > 0) parts.push(`edit distance ${distance}`);
  return { distance, steps, explanation: parts.join(", ") || "same name once folded" };
}
