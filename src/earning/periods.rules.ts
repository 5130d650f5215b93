import { DateTime } from "luxon";
import { localTime } from "../shared/local-time.ts";

/** Calendar time in the programme's zone: date bounds, and the periods limits count over. */

/** Resolves a date-or-instant bound: a date means the start of that day (or, for an end, of the next). */
export function resolveBound(value: string, timezone: string, edge: "start" | "end"): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const day = DateTime.fromISO(value, { zone: timezone }).startOf("day");
    return (edge === "end" ? day.plus({ days: 1 }) : day).toJSDate();
  }
  return new Date(value);
}

export type Period = "day" | "week" | "month" | "year" | "lifetime";

/** The calendar period (programme time) that contains `at`; lifetime starts at the epoch. */
export function periodStart(period: Period, at: Date, timezone: string): Date {
  if (period === "lifetime") return new Date(0);
  return localTime(at, timezone).startOf(period).toJSDate();
}

export function periodEnd(period: Period, at: Date, timezone: string): Date {
  if (period === "lifetime") return new Date(8.64e15);
  return localTime(at, timezone)
    .startOf(period)
    .plus({ [`${period}s`]: 1 })
    .toJSDate();
}
