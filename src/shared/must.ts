/**
 * The value, which the code around it guarantees is there (a row just written, an entry just
 * made); throws when it is not, a bug rather than a business outcome.
 */
export function must<T>(value: T | undefined | null, what = "a value"): T {
  if (value === undefined || value === null) throw new Error(`expected ${what}`);
  return value;
}
