import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";

/**
 * A phone number in E.164 (+15551234567), read with the programme's country when it is written
 * without one, so "(555) 123-4567" and "+1 555 123 4567" are the same member. Null if invalid.
 */
export function normalizePhone(input: string, country: string | null): string | null {
  const parsed = parsePhoneNumberFromString(input, country ? { defaultCountry: country as CountryCode } : undefined);
  if (!parsed?.isPossible()) return null;
  return parsed.number;
}

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();
