/**
 * Form text to the numbers and dates the API takes, and back: money in minor units, dates in the
 * programme's time zone, lists typed comma-separated. Pure, shared by the programme design forms.
 */
import { DateTime } from "luxon";

/**
 * A number typed in a form: blank is undefined; what is not a number is sent as typed so the
 * API answers with its own message for the field.
 */
export function num(text: string): number | undefined {
  const t = text.trim();
  if (t === "") return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : (t as unknown as number);
}

/** Minor units per major unit of a currency (100 for USD, 1 for JPY). */
export function minorScale(currency: string): number {
  const digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return 10 ** digits;
}

/** "12.50" -> 1250 minor units; blank -> undefined; not a number -> the text (the API says why). */
export function toMinor(text: string, currency: string): number | undefined {
  const n = num(text);
  if (typeof n !== "number") return n;
  return Math.round(n * minorScale(currency));
}

export function fromMinor(minor: number | null | undefined, currency: string): string {
  if (minor === null || minor === undefined) return "";
  return String(minor / minorScale(currency));
}

export const str = (n: number | null | undefined): string => (n === null || n === undefined ? "" : String(n));

/** "a, b ,c" -> ["a","b","c"]; blank -> []. */
export function list(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** One entry per non-blank line. */
export function lines(text: string): string[] {
  return text
    .split("\n")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** An instant as the date it falls on in the programme's time zone (YYYY-MM-DD). */
export function dayOf(iso: string | null | undefined, timezone: string): string {
  if (!iso) return "";
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
  return DateTime.fromISO(iso, { zone: timezone }).toISODate() ?? "";
}

/** An exclusive end instant as the inclusive last day it covers (the day before a midnight end). */
export function lastDayOf(iso: string | null | undefined, timezone: string): string {
  if (!iso) return "";
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
  const at = DateTime.fromISO(iso, { zone: timezone });
  return (at.equals(at.startOf("day")) ? at.minus({ days: 1 }) : at).toISODate() ?? "";
}

/** The first instant of a programme-time day, as an ISO time with offset. */
export function startOfDay(date: string, timezone: string): string {
  return DateTime.fromISO(date, { zone: timezone }).startOf("day").toISO() ?? date;
}

/** The programme-time day's end (the next midnight), as an ISO time with offset. */
export function endOfDay(date: string, timezone: string): string {
  return DateTime.fromISO(date, { zone: timezone }).startOf("day").plus({ days: 1 }).toISO() ?? date;
}

export function formatDay(iso: string | null | undefined, timezone: string): string {
  if (!iso) return "—";
  return DateTime.fromISO(iso, { zone: timezone }).toLocaleString(DateTime.DATE_MED);
}

/** A form's day (YYYY-MM-DD) as the instant it bounds: its first instant, or the next midnight for an inclusive end; null if blank. */
export function resolveBoundary(day: string, timezone: string, edge: "start" | "end"): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const start = DateTime.fromISO(day, { zone: timezone }).startOf("day");
  if (!start.isValid) return null;
  return (edge === "end" ? start.plus({ days: 1 }) : start).toJSDate();
}
