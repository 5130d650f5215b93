/** "1 point", "2 points": a count and its noun, for the one-line explanations answers carry. */
export const plural = (n: number | bigint, word: string): string => `${n} ${word}${Number(n) === 1 ? "" : "s"}`;
