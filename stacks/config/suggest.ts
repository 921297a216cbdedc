import { distance } from "fastest-levenshtein";

/**
 * The candidate nearest to `word` (case-insensitive edit distance), when it is close enough to be a typo: at most
 * 2 edits, or one edit per `lettersPerEdit` letters of `word` for longer words. Used for "did you mean" hints.
 */
export function suggest(word: string, candidates: readonly string[], lettersPerEdit = 3): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / lettersPerEdit)) ? best : undefined;
}
