/** Report days: YYYY-MM-DD dates in the programme's time zone, as the report APIs take them. */
import { useSearchParams } from "react-router";

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

/**
 * A report's date range kept in the page's URL (`?from=&to=`, so a link or a reload shows the same
 * range): `to` defaults to today in the programme's zone, `from` to `days - 1` days before `to`.
 * `setRange` changes either end and keeps the other.
 */
export function useUrlRange(timezone: string, days: number) {
  const [params, setParams] = useSearchParams();
  const end = today(timezone);
  const to = params.get("to") ?? end;
  const from = params.get("from") ?? shift(to, { days: -(days - 1) });
  const setRange = (next: { from?: string; to?: string }) => {
    const merged = { from, to, ...next };
    if (merged.from && merged.to) setParams(merged, { replace: true });
  };
  return { from, to, end, setRange };
}
