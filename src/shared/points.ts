/** Points per operation are whole numbers in [1, 10^12]. */
export const MAX_POINTS_PER_OPERATION = 1_000_000_000_000;

/**
 * Parses a bigint column (or a sum cast to bigint) into a JS number, refusing values a
 * double cannot hold exactly: a wrong balance is worse than a loud failure.
 */
export function parseInt8(value: string | number | bigint | null): number {
  if (value === null) return 0;
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`integer ${String(value)} exceeds the exactly representable range`);
  return n;
}
