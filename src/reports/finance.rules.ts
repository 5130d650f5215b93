import { DateTime } from "luxon";
import { DomainError } from "../shared/errors.ts";

/**
 * Finance reports' calendar and arithmetic, with no I/O: the instant a liability is read at, the
 * expiry buckets around it, month ends, points in money, and the rates finance reads.
 */

/** The most month ends one liability series covers (five years). */
export const MAX_MONTH_ENDS = 60;

/** Expiry buckets, by days from the moment the liability is read at (programme calendar days). */
export const EXPIRY_BUCKETS = [
  { bucket: "within_30_days", upToDays: 30 },
  { bucket: "days_31_to_90", upToDays: 90 },
  { bucket: "days_91_to_365", upToDays: 365 },
  { bucket: "later", upToDays: null },
] as const;
export type ExpiryBucket = (typeof EXPIRY_BUCKETS)[number]["bucket"] | "never";

export interface LiabilityMoment {
  /** The day asked for (YYYY-MM-DD, programme time), or today. */
  asOf: string;
  /**
   * The moment read: everything dated before `end` counts, a lot past its expiry before `end` is
   * expired, pending points with `availableAt` before `end` are available. For a day, the next
   * day's midnight in programme time (the day's end); for now, one millisecond after now (so
   * "before end" is "at or before now", as the current books say).
   */
  end: Date;
  /** Where each expiry bucket ends (inclusive): `end` plus 30, 90 and 365 programme days. */
  bucketEnds: Date[];
}

/** The moment a liability is read at: the end of `asOf` in programme time, or now. Not after now. */
export function liabilityMoment(asOf: string | undefined, timezone: string, now: Date): LiabilityMoment {
  const today = DateTime.fromJSDate(now, { zone: timezone }).startOf("day");
  let end: DateTime;
  let day: string;
  if (asOf === undefined) {
    end = DateTime.fromJSDate(new Date(now.getTime() + 1), { zone: timezone });
    day = today.toISODate() ?? "";
  } else {
    const start = DateTime.fromISO(asOf, { zone: timezone }).startOf("day");
    if (!start.isValid) throw new DomainError("validation_error", "asOf is not a date (YYYY-MM-DD)", { field: "asOf" });
    if (start > today) {
      throw new DomainError("validation_error", `asOf must not be after today (${today.toISODate()} in ${timezone})`, {
        field: "asOf",
      });
    }
    day = start.toISODate() ?? asOf;
    // Today's end is still to come: read today as of now.
    end = start.equals(today) ? DateTime.fromJSDate(new Date(now.getTime() + 1), { zone: timezone }) : start.plus({ days: 1 });
  }
  return {
    asOf: day,
    end: end.toJSDate(),
    bucketEnds: EXPIRY_BUCKETS.flatMap((b) => (b.upToDays === null ? [] : [end.plus({ days: b.upToDays }).toJSDate()])),
  };
}

/** Month ends from `from` to `to` (YYYY-MM, inclusive), each the last day of its month; the current month ends today. */
export function monthEnds(from: string, to: string, timezone: string, now: Date): { month: string; asOf: string }[] {
  const parse = (s: string, field: string) => {
    const d = DateTime.fromFormat(s, "yyyy-MM", { zone: timezone });
    if (!d.isValid) throw new DomainError("validation_error", `${field} is not a month (YYYY-MM)`, { field });
    return d.startOf("month");
  };
  const first = parse(from, "from");
  const last = parse(to, "to");
  const today = DateTime.fromJSDate(now, { zone: timezone }).startOf("day");
  if (first > last) throw new DomainError("validation_error", "from must not be after to", { field: "from" });
  if (last > today.startOf("month")) {
    throw new DomainError("validation_error", `to must not be after this month (${today.toFormat("yyyy-MM")})`, {
      field: "to",
    });
  }
  const months = Math.round(last.diff(first, "months").months) + 1;
  if (months > MAX_MONTH_ENDS) {
    throw new DomainError("validation_error", `A series covers at most ${MAX_MONTH_ENDS} months`, { field: "from" });
  }
  const out: { month: string; asOf: string }[] = [];
  for (let m = first; m <= last; m = m.plus({ months: 1 })) {
    const endDay = m.endOf("month").startOf("day");
    out.push({ month: m.toFormat("yyyy-MM"), asOf: DateTime.min(endDay, today).toISODate() ?? "" });
  }
  return out;
}

/**
 * Points in money: points x the programme's point value (minor units per point, may be
 * fractional), rounded half away from zero to the minor unit. A product that lands a hair off a
 * half because of binary fractions (45 x 0.7 = 31.499999999999996) is read as the half it is.
 */
export function pointsMoney(points: number, pointValue: number): number {
  return roundMinor(points * pointValue);
}

/** A fractional amount of minor units to a whole one, half away from zero (tolerating binary fractions). */
export function roundMinor(exact: number): number {
  const size = Math.abs(exact);
  const rounded = Math.floor(size + 0.5 + Math.max(1, size) * 1e-12);
  return exact < 0 ? -rounded : rounded;
}

/** Money (minor units) shared out over a count, rounded half away from zero; null when the count is 0. */
export function perHead(amount: number, count: number): number | null {
  if (count <= 0) return null;
  return roundMinor(amount / count);
}

/** part / whole as a share (0..1 or beyond, four decimals); null when the whole is not positive. */
export function share(part: number, whole: number): number | null {
  if (whole <= 0) return null;
  return Math.round((part / whole) * 10_000) / 10_000;
}

/**
 * The breakage rate: of the points that left members' hands by being redeemed or expiring, the
 * share that expired. Null when none did.
 */
export function breakageRate(expired: number, redeemed: number): number | null {
  return share(expired, expired + redeemed);
}
