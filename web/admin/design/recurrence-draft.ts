/**
 * The campaign form's recurrence section, the pure part: the form's fields from a campaign's
 * recurrence and back, its plain-language summary and next occurrences. The occurrences and the
 * summary come from the server's own rule (src/campaigns/recurrence.rules.ts), so the form shows
 * exactly what the engine will do.
 */
import { DateTime } from "luxon";
import {
  describeRecurrence,
  type Occurrence,
  occurrencesInWindow,
  type Recurrence,
  type Weekday,
} from "../../../src/campaigns/recurrence.rules.ts";

export type { Weekday };
export type DurationUnit = "minutes" | "hours" | "days" | "months";

export interface RecurrenceDraft {
  /** "none": the campaign runs its whole window. */
  freq: "none" | Recurrence["freq"];
  weekdays: Weekday[];
  months: string[];
  /** monthly, yearly: days of the month ("1, 15, -1") or the nth weekday. */
  monthlyBy: "day" | "weekday";
  monthDays: string;
  nth: string;
  weekday: Weekday;
  startTime: string;
  durationAmount: string;
  durationUnit: DurationUnit;
}

export const emptyRecurrence: RecurrenceDraft = {
  freq: "none",
  weekdays: [],
  months: [],
  monthlyBy: "day",
  monthDays: "1",
  nth: "1",
  weekday: "mon",
  startTime: "00:00",
  durationAmount: "1",
  durationUnit: "days",
};

/** A duration as one amount and unit: the unit it names alone, else minutes. */
function durationDraft(d: Recurrence["duration"]): Pick<RecurrenceDraft, "durationAmount" | "durationUnit"> {
  const { months = 0, days = 0, hours = 0, minutes = 0 } = d ?? { days: 1 };
  if (months && !days && !hours && !minutes) return { durationAmount: String(months), durationUnit: "months" };
  if (days && !months && !hours && !minutes) return { durationAmount: String(days), durationUnit: "days" };
  if (hours && !months && !days && !minutes) return { durationAmount: String(hours), durationUnit: "hours" };
  return { durationAmount: String(((months * 31 + days) * 24 + hours) * 60 + minutes), durationUnit: "minutes" };
}

export function recurrenceDraft(r: Recurrence | null | undefined): RecurrenceDraft {
  if (!r) return emptyRecurrence;
  const weekdayOfMonth = r.freq !== "weekly" && (r.byWeekday?.length ?? 0) > 0;
  return {
    freq: r.freq,
    weekdays: r.freq === "weekly" ? [...(r.byWeekday ?? [])] : [],
    months: (r.byMonth ?? []).map(String),
    monthlyBy: weekdayOfMonth ? "weekday" : "day",
    monthDays: (r.byMonthDay ?? [1]).join(", "),
    nth: String(r.nth ?? 1),
    weekday: weekdayOfMonth ? (r.byWeekday?.[0] ?? "mon") : "mon",
    startTime: r.startTime ?? "00:00",
    ...durationDraft(r.duration),
  };
}

/** A number as typed, or the text itself so the API names what is wrong with it. */
const numberOf = (text: string): number => {
  const n = Number(text.trim());
  return Number.isFinite(n) && text.trim() !== "" ? n : (text as unknown as number);
};

/** The recurrence the API takes; null for "does not repeat". */
export function recurrenceBody(d: RecurrenceDraft): Recurrence | null {
  if (d.freq === "none") return null;
  const r: Recurrence = { freq: d.freq };
  if (d.freq === "weekly") r.byWeekday = d.weekdays;
  if (d.freq === "yearly") r.byMonth = d.months.map(Number).sort((a, b) => a - b);
  if (d.freq === "monthly" || d.freq === "yearly") {
    if (d.monthlyBy === "weekday") {
      r.byWeekday = [d.weekday];
      r.nth = numberOf(d.nth);
    } else {
      r.byMonthDay = d.monthDays
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
        .map(numberOf);
    }
  }
  if (d.startTime !== "00:00") r.startTime = d.startTime;
  r.duration = { [d.durationUnit]: numberOf(d.durationAmount) };
  return r;
}

/** The draft's summary and next occurrences, or null while it is not a pattern yet (the API would say why). */
export function recurrencePreview(
  d: RecurrenceDraft,
  timezone: string,
  window: { startsAt: Date | null; endsAt: Date | null },
  now: Date,
  count = 5,
): { summary: string; next: Occurrence[] } | null {
  const r = recurrenceBody(d);
  if (r === null) return null;
  const numbers = [...(r.byMonthDay ?? []), r.nth ?? 1, ...Object.values(r.duration ?? {})];
  if (numbers.some((n) => typeof n !== "number")) return null;
  if (r.freq === "weekly" && !r.byWeekday?.length) return null;
  if (r.freq === "yearly" && !r.byMonth?.length) return null;
  return {
    summary: describeRecurrence(r, timezone, window.startsAt, window.endsAt),
    next: occurrencesInWindow(r, window, now, timezone, count),
  };
}

/** An occurrence as the list shows it: "Tue 12 Jan 2027, 00:00 – Wed 13 Jan, 00:00". */
export function formatOccurrence(o: Occurrence, timezone: string): string {
  const start = DateTime.fromJSDate(o.start, { zone: timezone });
  const end = DateTime.fromJSDate(o.end, { zone: timezone });
  return `${start.toFormat("ccc d LLL yyyy, HH:mm")} – ${end.toFormat(end.hasSame(start, "day") ? "HH:mm" : "ccc d LLL, HH:mm")}`;
}

/** The day an occurrence starts, short: "Tue 12 Jan". */
export const occurrenceDay = (iso: string, timezone: string) => DateTime.fromISO(iso, { zone: timezone }).toFormat("ccc d LLL");
