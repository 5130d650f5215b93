/**
 * Exact fractions, and the one rounding each rule names: every division in the earning maths is
 * kept exact and rounded once, at the end, the named way.
 */

export interface Fraction {
  n: bigint;
  d: bigint;
}

export const frac = (n: number | bigint, d: number | bigint = 1n): Fraction => ({ n: BigInt(n), d: BigInt(d) });
export const mul = (a: Fraction, b: Fraction): Fraction => ({ n: a.n * b.n, d: a.d * b.d });
export const add = (a: Fraction, b: Fraction): Fraction => ({ n: a.n * b.d + b.n * a.d, d: a.d * b.d });
export const ZERO = frac(0);

export type Rounding = "floor" | "round" | "ceil";

/** Rounds a non-negative fraction to a whole number, the named way. */
export function roundPoints(value: Fraction, rounding: Rounding): number {
  const { n, d } = value;
  if (n <= 0n) return 0;
  if (rounding === "floor") return Number(n / d);
  if (rounding === "ceil") return Number((n + d - 1n) / d);
  return Number((2n * n + d) / (2n * d));
}
