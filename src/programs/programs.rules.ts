import { DateTime, IANAZone } from "luxon";
import type { ExpiryPolicy } from "../db/schema.ts";
import { minorPerMajor } from "../earning/money.rules.ts";

/** When points credited at `earnedAt` expire under a programme's default policy (null: never). */
export function expiryFor(policy: ExpiryPolicy, earnedAt: Date, timezone: string): Date | null {
  if (policy.policy === "none") return null;
  const end = DateTime.fromJSDate(earnedAt, { zone: timezone }).plus({ months: policy.months ?? 12 });
  // "Month end" means the points are gone once the month is over in the programme's time zone:
  // they expire at the first instant of the next month, local time.
  const expires = policy.roundTo === "month_end" ? end.startOf("month").plus({ months: 1 }) : end;
  return expires.toJSDate();
}

/** When points credited at `now` become available, given the programme's pending period in days. */
export function pendingUntil(pendingDays: number, now: Date, timezone: string): Date {
  if (pendingDays === 0) return now;
  // Calendar days in the programme's zone, so a DST change does not shift the hour.
  return DateTime.fromJSDate(now, { zone: timezone }).plus({ days: pendingDays }).toJSDate();
}

export const isValidTimezone = (zone: string): boolean => IANAZone.isValidZone(zone);

const CURRENCIES = new Set(Intl.supportedValuesOf("currency"));
export const isValidCurrency = (code: string): boolean => CURRENCIES.has(code);

/** The largest purchase a programme accepts unless it sets its own: 10,000 in its currency's major unit. */
export const DEFAULT_MAX_PURCHASE_MAJOR = 10_000;

/** The largest purchase a programme accepts, in minor units: its own setting, else the default. */
export const maxPurchaseOf = (program: { currency: string; maxPurchaseAmount: number | null }): number =>
  program.maxPurchaseAmount ?? DEFAULT_MAX_PURCHASE_MAJOR * minorPerMajor(program.currency);
