/**
 * A JSON value with every object's keys in the order PostgreSQL's jsonb keeps them: shorter keys
 * first (in UTF-8 bytes), then byte order. An event's answer is stored as jsonb and replayed from
 * it, so answering the first call in this order makes a replay the same text, byte for byte,
 * without a second copy of every answer as text (events are the busiest table).
 */
export function inJsonbOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(inJsonbOrder);
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  const keyed = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [Buffer.from(k, "utf8"), k, v] as const);
  keyed.sort(([a], [b]) => a.length - b.length || Buffer.compare(a, b));
  return Object.fromEntries(keyed.map(([, k, v]) => [k, inJsonbOrder(v)]));
}
