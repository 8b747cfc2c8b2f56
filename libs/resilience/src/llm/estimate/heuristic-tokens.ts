// The tokenizer-free count: a single pass over the UTF-16 code units that splits the text the way
// the o200k / cl100k pre-tokenizers roughly do (letters, digits, whitespace, punctuation, other
// scripts) and charges each piece its usual token cost, rounded up. It is tuned to lie at or above
// the o200k count of ordinary text (prose, code, JSON, numbers, CJK, emoji): see
// docs/llm/estimation.md for the rule and the measured ratios.

/** ASCII letters per token in a run of letters (`ceil(run / 4)`). @internal */
export const HEURISTIC_LETTERS_PER_TOKEN = 4;
/** Digits per token in a run of digits (the tokenizers group at most 3; numbers next to letters split more). @internal */
export const HEURISTIC_DIGITS_PER_TOKEN = 2;
/** ASCII punctuation characters per token in a run of punctuation. @internal */
export const HEURISTIC_PUNCTUATION_PER_TOKEN = 2;

const LETTER = 0;
const DIGIT = 1;
const SPACE = 2;
const PUNCT = 3;
const OTHER = 4;

function classOf(c: number): number {
  if (c >= 128) return OTHER;
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return LETTER;
  if (c >= 48 && c <= 57) return DIGIT;
  if (c === 32 || c === 9 || c === 10 || c === 13) return SPACE;
  return PUNCT;
}

function runCost(cls: number, run: number, next: number): number {
  if (cls === LETTER) return Math.ceil(run / HEURISTIC_LETTERS_PER_TOKEN);
  if (cls === DIGIT) return Math.ceil(run / HEURISTIC_DIGITS_PER_TOKEN);
  if (cls === PUNCT) return Math.ceil(run / HEURISTIC_PUNCTUATION_PER_TOKEN);
  // Whitespace: one space before a word joins that word's token; any other run is one token.
  return run === 1 && (next === LETTER || next === OTHER) ? 0 : 1;
}

/**
 * Estimated tokens of `text` without a tokenizer. Rule, per run of one character class:
 * ASCII letters `ceil(n / 4)`, digits `ceil(n / 2)`, ASCII punctuation `ceil(n / 2)`,
 * whitespace 1 (0 for a single space before a word); outside ASCII, 1 per UTF-16 code unit
 * (CJK 1 per character, an emoji 2), except Greek to Indic scripts (U+0370–U+1FFF), ½ each.
 * Deterministic, O(length), no allocation.
 * @publicApi
 */
export function heuristicTokens(text: string): number {
  let total = 0;
  let other = 0;
  let cls = -1;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const k = classOf(c);
    if (k === OTHER) other += c >= 0x370 && c < 0x2000 ? 0.5 : 1;
    if (k !== cls) {
      if (run > 0 && cls !== OTHER) total += runCost(cls, run, k);
      cls = k;
      run = 0;
    }
    run++;
  }
  if (run > 0 && cls !== OTHER) total += runCost(cls, run, -1);
  return total + Math.ceil(other);
}
