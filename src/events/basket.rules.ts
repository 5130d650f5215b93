/**
 * The programme's usual basket, from its latest purchases: what the till compares an amount with
 * before it asks the cashier "are you sure?" (a mistyped $2,500.00 for $25.00).
 */

/** Purchases looked at: recent enough to follow the business, enough for a stable median. */
export const BASKET_SAMPLE = 500;
/** Fewer purchases than this say nothing about a usual basket: the till does not ask. */
export const MIN_BASKET_SAMPLE = 20;
/** An amount above this many medians is far above the usual basket ... */
export const MEDIANS_ABOVE = 5;

export interface UsualBasket {
  sample: number;
  median: number | null;
  p99: number | null;
  /** Ask the cashier to confirm an amount above this; null: too few purchases to say. */
  confirmAbove: number | null;
}

/** The value at rank ceil(q * n) of the sorted amounts (the nearest-rank percentile). */
const nearestRank = (sorted: number[], q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;

/**
 * The median and 99th percentile of the amounts. An amount is unusual above both 5 medians and
 * the 99th percentile: a programme of varied baskets is not asked at every large one, nor one of
 * equal baskets at 1 purchase in 100.
 */
export function usualBasket(amounts: number[]): UsualBasket {
  const sorted = amounts.filter((a) => a > 0).sort((a, b) => a - b);
  if (sorted.length < MIN_BASKET_SAMPLE) return { sample: sorted.length, median: null, p99: null, confirmAbove: null };
  const median = nearestRank(sorted, 0.5);
  const p99 = nearestRank(sorted, 0.99);
  return { sample: sorted.length, median, p99, confirmAbove: Math.max(MEDIANS_ABOVE * median, p99) };
}
