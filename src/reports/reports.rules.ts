import { DateTime } from "luxon";
import { DomainError } from "../shared/errors.ts";

/**
 * The overview report's calendar, with no I/O: which dates a range covers, how it is split into
 * periods, and where each period starts as an instant. Everything is in the programme's time
 * zone, so "a day" is the programme's day whatever the server's zone.
 */

export type Interval = "day" | "week" | "month" | "quarter" | "year";
/** The intervals a range falls into by default (defaultInterval); quarters and years only when asked for. */
export type DefaultInterval = "day" | "week" | "month";

export const DEFAULT_RANGE_DAYS = 90;
/** The longest range a report covers, and the most periods a series may have. */
export const MAX_RANGE_DAYS = 3 * 366;
export const MAX_PERIODS = 400;
export const ACTIVE_DAYS = 30;

export interface ReportRange<I extends Interval = Interval> {
  /** First and last day of the range (inclusive), YYYY-MM-DD in the programme's zone. */
  from: string;
  to: string;
  interval: I;
  /** Start of `from` and end of `to` (the next day's start), as instants. */
  start: Date;
  end: Date;
  /** Each period's first day (the first one clipped to `from`) and its start instant. */
  periods: { period: string; start: Date }[];
}

/** The interval a range reads best in when none is asked for: days up to a month, weeks up to half a year, then months. */
export function defaultInterval(days: number): DefaultInterval {
  if (days <= 31) return "day";
  if (days <= 183) return "week";
  return "month";
}

const day = (s: string, zone: string, field: string) => {
  const d = DateTime.fromISO(s, { zone });
  if (!d.isValid) throw new DomainError("validation_error", `${field} is not a date (YYYY-MM-DD)`, { field });
  return d.startOf("day");
};

/**
 * The range a request names: `to` defaults to today, `from` to 89 days before `to` (90 days in
 * all, or `defaultDays`), the interval to defaultInterval(). Weeks start on Monday (ISO), quarters in January,
 * April, July and October, years on 1 January; the first period starts on `from` itself.
 */
export function reportRange<I extends Interval = DefaultInterval>(
  query: { from?: string; to?: string; interval?: I },
  timezone: string,
  now: Date,
  defaultDays = DEFAULT_RANGE_DAYS,
): ReportRange<I | DefaultInterval> {
  const toDay = query.to ? day(query.to, timezone, "to") : DateTime.fromJSDate(now, { zone: timezone }).startOf("day");
  const fromDay = query.from ? day(query.from, timezone, "from") : toDay.minus({ days: defaultDays - 1 });
  if (fromDay > toDay) throw new DomainError("validation_error", "from must not be after to", { field: "from" });
  const days = Math.round(toDay.diff(fromDay, "days").days) + 1;
  if (days > MAX_RANGE_DAYS) {
    throw new DomainError("validation_error", `A report covers at most ${MAX_RANGE_DAYS} days`, { field: "from" });
  }
  const interval = query.interval ?? defaultInterval(days);
  const endDay = toDay.plus({ days: 1 });
  const periods: { period: string; start: Date }[] = [];
  let cursor = fromDay;
  while (cursor < endDay) {
    periods.push({ period: cursor.toISODate() ?? "", start: cursor.toJSDate() });
    if (periods.length > MAX_PERIODS) {
      throw new DomainError("validation_error", `At most ${MAX_PERIODS} periods: choose a longer interval`, {
        field: "interval",
      });
    }
    cursor = cursor.startOf(interval).plus({ [`${interval}s`]: 1 });
  }
  return {
    from: fromDay.toISODate() ?? "",
    to: toDay.toISODate() ?? "",
    interval,
    start: fromDay.toJSDate(),
    end: endDay.toJSDate(),
    periods,
  };
}

/**
 * A range's periods as the rollup reads take them: each period's first day and start instant, and
 * the day after the range (its end).
 */
export function dayBuckets(range: Pick<ReportRange, "to" | "periods" | "end">) {
  return {
    days: range.periods.map((p) => p.period),
    starts: range.periods.map((p) => p.start),
    endDay: DateTime.fromISO(range.to, { zone: "UTC" }).plus({ days: 1 }).toISODate() as string,
    end: range.end,
  };
}

/** Redeemed as a share of issued (0..1, four decimals); null when nothing was issued. */
export function redemptionRate(redeemed: number, issued: number): number | null {
  if (issued <= 0) return null;
  return Math.round((redeemed / issued) * 10_000) / 10_000;
}
