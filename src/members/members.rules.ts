import { randomInt } from "node:crypto";
import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";
import { localTime } from "../shared/local-time.ts";

/**
 * A phone number in E.164 (+15551234567), read with the programme's country when it is written
 * without one, so "(555) 123-4567" and "+1 555 123 4567" are the same member. Null if invalid.
 */
export function normalizePhone(input: string, country: string | null): string | null {
  const parsed = parsePhoneNumberFromString(input, country ? { defaultCountry: country as CountryCode } : undefined);
  if (!parsed?.isPossible()) return null;
  return parsed.number;
}

/** A card number as typed or scanned ("1234 5678 9012", "1234-5678-9012"): its digits. */
export const normalizeCardNumber = (input: string): string => input.replace(/[\s-]/g, "");

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

// Unambiguous characters only (no 0/O, 1/I/L), so a code read aloud at a till is typed right.
const REFERRAL_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/** A new member's referral code: 8 characters, about 40 bits, unique per programme by index. */
export function newReferralCode(random: (max: number) => number = randomInt): string {
  let code = "";
  for (let i = 0; i < 8; i++) code += REFERRAL_ALPHABET[random(REFERRAL_ALPHABET.length)];
  return code;
}

export const normalizeReferralCode = (code: string): string => code.trim().toUpperCase();

/**
 * A member's segments: the string list in the `segments` attribute (set by the API, an import or
 * a CRM sync). Rules, campaigns and rewards gated by segment read them from here.
 */
export function segmentsOf(attributes: Record<string, unknown>): string[] {
  const value = attributes.segments;
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === "string") : [];
}

/** Whether a day (YYYY-MM-DD) is after today in the programme's time zone: a birthday cannot be. */
export function isAfterToday(day: string, now: Date, timezone: string): boolean {
  return day > (localTime(now, timezone).toISODate() ?? day);
}

/** A money figure that is an expectation (customer value), in whole minor units: rounded half away from zero. */
export const roundHalfAwayFromZero = (value: number): number => Math.sign(value) * Math.round(Math.abs(value));
