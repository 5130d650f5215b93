/**
 * One retry loop for every transaction that may lose a race: the unit of work (src/idempotency)
 * and the event pipeline (src/events) both run their attempts through `retryTransaction`.
 */

const TRANSIENT = new Set(["40001", "40P01"]); // serialization failure, deadlock detected
const UNIQUE_VIOLATION = "23505";
export const MAX_ATTEMPTS = 8;

const sqlState = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;

/** A serialization failure or a deadlock: the same work, tried again, may well succeed. */
export const isTransientConflict = (error: unknown): boolean => {
  const code = sqlState(error);
  return typeof code === "string" && TRANSIENT.has(code);
};

/** A unique index refused a row a concurrent transaction inserted first. */
export const isUniqueViolation = (error: unknown): boolean => sqlState(error) === UNIQUE_VIOLATION;

/** Milliseconds to wait before attempt `attempt + 1`: random (so twins do not collide again), growing. */
export const backoffMs = (attempt: number, random: () => number = Math.random): number => random() * 5 * attempt;

/**
 * Runs `attempt(n)` (n = 1, 2, ...) until it succeeds, a failure is not `retryable`, or
 * MAX_ATTEMPTS have failed; then the last error is thrown.
 */
export async function retryTransaction<T>(
  attempt: (n: number) => Promise<T>,
  retryable: (error: unknown) => boolean = isTransientConflict,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!retryable(error) || n >= MAX_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoffMs(n)));
    }
  }
}
