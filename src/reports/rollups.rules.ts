import { DateTime } from "luxon";

/**
 * The calendar of report rollups, with no I/O. A rollup holds figures per programme day (a
 * calendar day in the programme's time zone, YYYY-MM-DD); a report range is a union of whole
 * days, so it reads rolled-up rows for the days a rollup holds and is still valid for, and runs
 * its live query over the rest: the days not rolled up yet, and rolled-up days changed since the
 * rollup's watermark. Together they are exact.
 */

/**
 * How long after a change is recorded the jobs wait before they count it as seen. A change is
 * found by when it was recorded (its created_at); a transaction still open when the jobs look could
 * commit a change recorded earlier than their watermark later. No Stampbook transaction stays open
 * anywhere near this long.
 */
export const ROLLUP_GRACE_MS = 10 * 60_000;
/** Days rebuilt per transaction when a rollup catches up with history. */
export const CATCH_UP_DAYS = 7;

/** Where a rollup stands for one report: days before `rolledThrough` are rolled up, except `changed`. */
export interface RollupView {
  /** The first day not rolled up (YYYY-MM-DD), or null when the rollup holds nothing valid. */
  rolledThrough: string | null;
  /** Rolled-up days changed since the rollup's watermark: read live, like the days not rolled up. */
  changed: string[];
}

/** The view of a rollup that holds nothing: every day is read live. */
export const NOTHING_ROLLED: RollupView = { rolledThrough: null, changed: [] };

/** The day (YYYY-MM-DD) an instant falls on in a time zone. */
export const dayOf = (at: Date, zone: string): string => DateTime.fromJSDate(at, { zone }).toISODate() ?? "";

/** The instant a day starts in a time zone. */
export const dayStart = (day: string, zone: string): Date => DateTime.fromISO(day, { zone }).startOf("day").toJSDate();

/** The day after. */
export const nextDay = (day: string): string => DateTime.fromISO(day, { zone: "UTC" }).plus({ days: 1 }).toISODate() ?? "";

/** Sorted distinct days as runs of consecutive days, each [from, to) with `to` the day after its last. */
export function dayRuns(days: string[]): { from: string; to: string }[] {
  const sorted = [...new Set(days)].sort();
  const runs: { from: string; to: string }[] = [];
  for (const day of sorted) {
    const last = runs.at(-1);
    if (last && last.to === day) last.to = nextDay(day);
    else runs.push({ from: day, to: nextDay(day) });
  }
  return runs;
}

/** [from, to) cut into pieces of at most `size` days. */
export function chunks(from: string, to: string, size: number): { from: string; to: string }[] {
  const out: { from: string; to: string }[] = [];
  let cursor = DateTime.fromISO(from, { zone: "UTC" });
  const end = DateTime.fromISO(to, { zone: "UTC" });
  while (cursor < end) {
    const next = DateTime.min(cursor.plus({ days: size }), end);
    out.push({ from: cursor.toISODate() ?? "", to: next.toISODate() ?? "" });
    cursor = next;
  }
  return out;
}

/**
 * How a report over [from, to) (days; `to` exclusive) splits with a rollup: the days it reads from
 * the rollup (`rolled`: [from, min(to, rolledThrough)) less `changed`), and the instant ranges it
 * reads live, in the programme's zone: the days from rolledThrough on, and each changed day.
 */
export function splitRange(view: RollupView, from: string, to: string, zone: string) {
  const rolledTo = view.rolledThrough === null ? from : view.rolledThrough < to ? view.rolledThrough : to;
  const rolled = { from, to: rolledTo > from ? rolledTo : from };
  const changed = view.changed.filter((d) => d >= rolled.from && d < rolled.to);
  const liveDays = dayRuns(changed);
  if (rolled.to < to) liveDays.push({ from: rolled.to, to });
  return {
    rolled,
    changed,
    live: liveDays.map((r) => ({ start: dayStart(r.from, zone), end: dayStart(r.to, zone) })),
  };
}

/** A PostgreSQL array literal (one text parameter on both engines) of dates or instants. */
export const arrayLiteral = (values: (string | Date)[]): string =>
  `{${values.map((v) => `"${v instanceof Date ? v.toISOString() : v}"`).join(",")}}`;
