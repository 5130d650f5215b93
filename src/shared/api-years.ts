import { DATE_YEARS } from "./schemas.ts";

/**
 * The years any time the API takes may fall in. PostgreSQL holds 4713 BC to 294276 AD and a JS
 * Date +-275760, but year 0000 fails in the database and the date maths runs off the calendar far
 * from today, so a time outside these years is a 400 wherever it comes in.
 */
export const API_YEARS = DATE_YEARS;

export const API_YEARS_MESSAGE = `must be in the years ${API_YEARS.min} to ${API_YEARS.max}`;

export const inApiYears = (year: number): boolean => year >= API_YEARS.min && year <= API_YEARS.max;

/** A time read back from text the API gave out (a cursor's): null if unparseable or outside the years. */
export function parseApiInstant(text: string): Date | null {
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) return null;
  return inApiYears(at.getUTCFullYear()) ? at : null;
}

/** `2026-11-23`, `2026-11-23T09:30:00Z`, `+275760-09-13T00:00:00Z` -> the year; anything else -> null. */
export function isoDateYear(text: string): number | null {
  const match = /^([+-]\d{6}|\d{4})-\d{2}-\d{2}(?:$|T)/.exec(text);
  return match?.[1] === undefined ? null : Number(match[1]);
}
