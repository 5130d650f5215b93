/**
 * Recurring campaign schedules, the pure part: when a pattern ("every Tuesday", "every December",
 * "the first Monday of the month") has its occurrences, in the programme's time zone.
 *
 * An occurrence starts on each day the pattern names, at `startTime` local time, and lasts
 * `duration` (months and days counted on the local calendar, so a day across a DST change is 23
 * or 25 hours; hours and minutes are exact). Occurrences never overlap (recurrenceProblem refuses
 * a pattern whose occurrences would), so the occurrence holding an instant is the latest one that
 * started at or before it. Imports nothing but luxon: the console uses the same rule.
 *
 * Written here rather than with the `rrule` package: its TZID support answers "floating" times
 * shifted by the host's zone, and it has no notion of an occurrence's length, which is what
 * "is this campaign live at t" and a budget per occurrence need.
 */
import { DateTime } from "luxon";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const FREQUENCIES = ["daily", "weekly", "monthly", "yearly"] as const;

export interface RecurrenceDuration {
  months?: number | undefined;
  days?: number | undefined;
  hours?: number | undefined;
  minutes?: number | undefined;
}

export interface Recurrence {
  freq: (typeof FREQUENCIES)[number];
  /** yearly: the months (1-12) it happens in. */
  byMonth?: number[] | undefined;
  /** monthly, yearly: the days of the month (1-31; -1 the last day); a month without that day is skipped. */
  byMonthDay?: number[] | undefined;
  /** weekly: the days; monthly and yearly with `nth`: the weekday to count. */
  byWeekday?: Weekday[] | undefined;
  /** monthly, yearly: the nth of `byWeekday` in the month (1 the first ... 5, -1 the last). */
  nth?: number | undefined;
  /** Local time each occurrence starts, "HH:MM"; midnight by default. */
  startTime?: string | undefined;
  /** How long each occurrence lasts; one day by default. */
  duration?: RecurrenceDuration | undefined;
}

/** One occurrence: from `start` (inclusive) to `end` (exclusive). */
export interface Occurrence {
  start: Date;
  end: Date;
}

const ONE_DAY: RecurrenceDuration = { days: 1 };

const durationOf = (r: Recurrence): RecurrenceDuration => {
  const d = r.duration ?? ONE_DAY;
  return { months: d.months ?? 0, days: d.days ?? 0, hours: d.hours ?? 0, minutes: d.minutes ?? 0 };
};

function timeOf(r: Recurrence): { hour: number; minute: number } {
  const [hour = 0, minute = 0] = (r.startTime ?? "00:00").split(":").map(Number);
  return { hour, minute };
}

/** Days of one local month on which an occurrence starts, ascending. */
function startDays(r: Recurrence, year: number, month: number): number[] {
  const first = DateTime.utc(year, month, 1);
  const daysInMonth = first.daysInMonth ?? 28;
  const all = Array.from({ length: daysInMonth }, (_, i) => i + 1);
  const weekdayOf = (day: number) => WEEKDAYS[(first.weekday - 1 + day - 1) % 7] as Weekday;
  if (r.freq === "daily") return all;
  if (r.freq === "weekly") return all.filter((day) => r.byWeekday?.includes(weekdayOf(day)));
  if (r.freq === "yearly" && !r.byMonth?.includes(month)) return [];
  if (r.byMonthDay?.length) {
    const days = r.byMonthDay.map((d) => (d < 0 ? daysInMonth + 1 + d : d)).filter((d) => d >= 1 && d <= daysInMonth);
    return [...new Set(days)].sort((a, b) => a - b);
  }
  const nth = r.nth ?? 1;
  const days = (r.byWeekday ?? []).flatMap((weekday) => {
    const matching = all.filter((day) => weekdayOf(day) === weekday);
    const day = nth < 0 ? matching.at(nth) : matching[nth - 1];
    return day === undefined ? [] : [day];
  });
  return [...new Set(days)].sort((a, b) => a - b);
}

/** The occurrences starting in one local month. */
function occurrencesInMonth(r: Recurrence, month: DateTime, timezone: string): Occurrence[] {
  const { hour, minute } = timeOf(r);
  const duration = durationOf(r);
  return startDays(r, month.year, month.month).map((day) => {
    // A start in a DST gap (02:30 on a spring-forward night) moves to the first instant after it.
    const start = DateTime.fromObject({ year: month.year, month: month.month, day, hour, minute }, { zone: timezone });
    return { start: start.toJSDate(), end: start.plus(duration).toJSDate() };
  });
}

/** How far back an occurrence holding an instant may have started: its longest length, and a day to spare. */
const lookBack = (r: Recurrence) => {
  const d = durationOf(r);
  return { months: (d.months ?? 0) + 1, days: (d.days ?? 0) + 2, hours: d.hours ?? 0, minutes: d.minutes ?? 0 };
};

/** The occurrence that holds `at`, or null when `at` falls between two. */
export function occurrenceAt(r: Recurrence, at: Date, timezone: string): Occurrence | null {
  const local = DateTime.fromJSDate(at, { zone: timezone });
  let month = local.minus(lookBack(r)).startOf("month");
  let latest: Occurrence | null = null;
  while (month <= local) {
    for (const o of occurrencesInMonth(r, month, timezone)) if (o.start <= at) latest = o;
    month = month.plus({ months: 1 });
  }
  return latest !== null && at < latest.end ? latest : null;
}

/**
 * The first `count` occurrences that end after `from` (the one running at `from` first), up to
 * `until` (exclusive, a start at or after it is not one). Looks at most `years` ahead: a pattern
 * such as "29 February" is rare, none is never.
 */
export function occurrencesFrom(
  r: Recurrence,
  from: Date,
  timezone: string,
  count: number,
  until: Date | null = null,
  years = 30,
): Occurrence[] {
  const found: Occurrence[] = [];
  const local = DateTime.fromJSDate(from, { zone: timezone });
  let month = local.minus(lookBack(r)).startOf("month");
  const stop = local.plus({ years }).startOf("month");
  while (found.length < count && month <= stop) {
    if (until !== null && month.toJSDate() >= until) break;
    for (const o of occurrencesInMonth(r, month, timezone)) {
      if (until !== null && o.start >= until) break;
      if (o.end > from && found.length < count) found.push(o);
    }
    month = month.plus({ months: 1 });
  }
  return found;
}

/**
 * A campaign's occurrences from `from` on (the one running at `from` first), cut to its window
 * (startsAt inclusive, endsAt exclusive, null: open); at most `count`.
 */
export function occurrencesInWindow(
  r: Recurrence,
  window: { startsAt: Date | null; endsAt: Date | null },
  from: Date,
  timezone: string,
  count: number,
): Occurrence[] {
  const { startsAt, endsAt } = window;
  const start = startsAt !== null && startsAt > from ? startsAt : from;
  return occurrencesFrom(r, start, timezone, count, endsAt)
    .map((o) => ({
      start: startsAt !== null && startsAt > o.start ? startsAt : o.start,
      end: endsAt !== null && endsAt < o.end ? endsAt : o.end,
    }))
    .filter((o) => o.start < o.end);
}

/** What is wrong with a pattern, as the field and a message in the form's terms; null if nothing. */
export function recurrenceProblem(r: Recurrence, timezone: string): { field: string; message: string } | null {
  const has = (list: unknown[] | undefined) => list !== undefined && list.length > 0;
  if (r.freq === "daily" && (has(r.byMonth) || has(r.byMonthDay) || has(r.byWeekday) || r.nth !== undefined)) {
    return { field: "recurrence.freq", message: "A daily pattern names no months, days or weekdays" };
  }
  if (r.freq === "weekly") {
    if (!has(r.byWeekday)) return { field: "recurrence.byWeekday", message: "Choose at least one day of the week" };
    if (has(r.byMonth) || has(r.byMonthDay) || r.nth !== undefined) {
      return { field: "recurrence.freq", message: "A weekly pattern names weekdays only" };
    }
  }
  if (r.freq === "monthly" && has(r.byMonth)) {
    return { field: "recurrence.byMonth", message: "A monthly pattern happens every month: choose yearly for some months" };
  }
  if (r.freq === "yearly" && !has(r.byMonth)) return { field: "recurrence.byMonth", message: "Choose at least one month" };
  if (r.freq === "monthly" || r.freq === "yearly") {
    if (has(r.byMonthDay) === (has(r.byWeekday) || r.nth !== undefined)) {
      return {
        field: "recurrence.byMonthDay",
        message: "Choose either days of the month or a weekday of the month (such as the first Monday)",
      };
    }
    if (has(r.byWeekday) && r.nth === undefined) {
      return { field: "recurrence.nth", message: "Say which weekday of the month: first, second, ..., last" };
    }
  }
  const d = durationOf(r);
  if ((d.months ?? 0) + (d.days ?? 0) + (d.hours ?? 0) + (d.minutes ?? 0) === 0) {
    return { field: "recurrence.duration", message: "Each occurrence must last at least a minute" };
  }
  // Overlaps show within a few years of any start (leap years, weekday cycles and the zone's DST changes).
  const sample = occurrencesFrom(r, new Date(Date.UTC(2025, 0, 1)), timezone, 800, new Date(Date.UTC(2033, 0, 1)), 8);
  for (let i = 1; i < sample.length; i++) {
    const before = sample[i - 1];
    const next = sample[i];
    if (before && next && before.end > next.start) {
      return {
        field: "recurrence.duration",
        message: "Each occurrence must end before the next one starts: shorten it or choose fewer days",
      };
    }
  }
  return null;
}

/** A pattern as the list of weekdays it can start on: "Tuesday", "Saturday and Sunday". */
const WEEKDAY_NAMES: Record<Weekday, string> = {
  mon: "Monday",
  tue: "Tuesday",
  wed: "Wednesday",
  thu: "Thursday",
  fri: "Friday",
  sat: "Saturday",
  sun: "Sunday",
};
const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const NTH_NAMES: Record<string, string> = {
  "1": "first",
  "2": "second",
  "3": "third",
  "4": "fourth",
  "5": "fifth",
  "-1": "last",
};

const and = (words: string[]) => (words.length <= 1 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`);
const suffix = (d: number) =>
  d % 10 === 1 && d !== 11 ? "st" : d % 10 === 2 && d !== 12 ? "nd" : d % 10 === 3 && d !== 13 ? "rd" : "th";
const ordinalDay = (d: number) =>
  d === -1 ? "the last day" : d < 0 ? `the ${-d}${suffix(-d)} last day` : `the ${d}${suffix(d)}`;

function daysPart(r: Recurrence): string {
  if (r.freq === "daily") return "Every day";
  if (r.freq === "weekly") {
    const days = WEEKDAYS.filter((w) => r.byWeekday?.includes(w));
    if (days.length === 7) return "Every day";
    if (days.length === 2 && days.includes("sat") && days.includes("sun")) return "Every Saturday and Sunday";
    return `Every ${and(days.map((w) => WEEKDAY_NAMES[w]))}`;
  }
  const inMonths =
    r.freq === "yearly"
      ? and([...new Set(r.byMonth ?? [])].sort((a, b) => a - b).map((m) => MONTH_NAMES[m - 1] ?? String(m)))
      : "the month";
  const d = durationOf(r);
  const wholeMonth = r.byMonthDay?.length === 1 && r.byMonthDay[0] === 1 && d.months === 1 && !d.days && !d.hours && !d.minutes;
  if (r.freq === "yearly" && wholeMonth) return `Every ${inMonths}`;
  const on = r.byMonthDay?.length
    ? and(r.byMonthDay.map(ordinalDay))
    : `the ${NTH_NAMES[String(r.nth ?? 1)] ?? String(r.nth)} ${and(WEEKDAYS.filter((w) => r.byWeekday?.includes(w)).map((w) => WEEKDAY_NAMES[w]))}`;
  return r.freq === "yearly" ? `Every year on ${on} of ${inMonths}` : `Every month on ${on}`;
}

function timesPart(r: Recurrence): string {
  const d = durationOf(r);
  const { hour, minute } = timeOf(r);
  const start = DateTime.utc(2001, 1, 1, hour, minute);
  const hhmm = (t: DateTime) => t.toFormat("HH:mm");
  if (
    r.freq === "yearly" &&
    d.months === 1 &&
    !d.days &&
    !d.hours &&
    !d.minutes &&
    r.byMonthDay?.[0] === 1 &&
    hour + minute === 0
  ) {
    return "the whole month";
  }
  if (!d.months && (d.days ?? 0) === 0) {
    return `${hhmm(start)}-${hhmm(start.plus({ hours: d.hours ?? 0, minutes: d.minutes ?? 0 }))}`;
  }
  if (!d.months && d.days === 1 && !d.hours && !d.minutes) {
    // A whole day reads as the day's last minute, as people write it ("00:00-23:59").
    return `${hhmm(start)}-${hhmm(start.minus({ minutes: 1 }))}${hour + minute === 0 ? "" : " the next day"}`;
  }
  const parts = [
    d.months ? `${d.months} month${d.months === 1 ? "" : "s"}` : "",
    d.days ? `${d.days} day${d.days === 1 ? "" : "s"}` : "",
    d.hours ? `${d.hours} hour${d.hours === 1 ? "" : "s"}` : "",
    d.minutes ? `${d.minutes} minute${d.minutes === 1 ? "" : "s"}` : "",
  ].filter(Boolean);
  return `from ${hhmm(start)} for ${and(parts)}`;
}

const dayLabel = (at: Date, timezone: string) => DateTime.fromJSDate(at, { zone: timezone }).toFormat("d LLL yyyy");

/**
 * A pattern in plain words, with the zone and the campaign's window:
 * "Every Tuesday, 00:00-23:59, Europe/London, from 1 Jan 2027".
 */
export function describeRecurrence(r: Recurrence, timezone: string, startsAt: Date | null, endsAt: Date | null): string {
  const window = [
    startsAt ? `from ${dayLabel(startsAt, timezone)}` : "",
    // An exclusive end at midnight reads as the day before, the last day it covers.
    endsAt ? `until ${dayLabel(new Date(endsAt.getTime() - 1), timezone)}` : "",
  ].filter(Boolean);
  return [daysPart(r), timesPart(r), timezone, ...window].join(", ");
}
