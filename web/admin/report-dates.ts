/** Report days: YYYY-MM-DD dates in the programme's time zone, as the report APIs take them. */

/** Today in the programme's time zone, as YYYY-MM-DD. */
export function today(timezone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(
    new Date(),
  );
}

/** A YYYY-MM-DD date moved by whole days or months (calendar arithmetic, no time zone involved). */
export function shift(date: string, by: { days?: number; months?: number }): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const at = new Date(Date.UTC(y, m - 1 + (by.months ?? 0), 1));
  const lastDay = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 0)).getUTCDate();
  at.setUTCDate(Math.min(d, lastDay) + (by.days ?? 0));
  return at.toISOString().slice(0, 10);
}
