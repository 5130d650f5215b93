import { API_YEARS_MESSAGE, inApiYears, isoDateYear } from "../shared/api-years.ts";

/** A string the API refuses, where it was and why, in the words of a validation issue. */
export interface UnsafeString {
  /** Where it was: `items.0.name`, a query parameter's name, or "" for the value itself. */
  path: string;
  message: string;
  code: "invalid_format" | "custom";
}

/** A lone UTF-16 surrogate: not Unicode text, so neither JSON nor PostgreSQL can store it. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Why a string cannot be taken, or null if it can: PostgreSQL text holds no NUL character, JSON
 * and PostgreSQL no lone surrogate, and a date outside the API's years fails in the database.
 */
export function unsafeStringReason(text: string): Omit<UnsafeString, "path"> | null {
  if (text.includes("\u0000")) return { message: "must not contain a NUL character (\\u0000)", code: "invalid_format" };
  if (LONE_SURROGATE.test(text)) return { message: "must be Unicode text (no lone surrogate)", code: "invalid_format" };
  const year = isoDateYear(text);
  if (year !== null && !inApiYears(year)) return { message: API_YEARS_MESSAGE, code: "custom" };
  return null;
}

/** The first refused string in a parsed JSON value (object keys included), depth first. */
export function findUnsafeString(value: unknown, path: string[] = []): UnsafeString | null {
  if (typeof value === "string") {
    const reason = unsafeStringReason(value);
    return reason && { path: path.join("."), ...reason };
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnsafeString(item, [...path, String(index)]);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const inKey = findUnsafeString(key, [...path, key]);
      if (inKey) return inKey;
      const found = findUnsafeString(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

/** The first refused query parameter name or value, as its name. */
export function findUnsafeQuery(query: Record<string, string[]>): UnsafeString | null {
  for (const [name, values] of Object.entries(query)) {
    const found = findUnsafeString(name) ?? values.map((value) => findUnsafeString(value)).find((f) => f !== null);
    if (found) return { ...found, path: name };
  }
  return null;
}

/** A NUL character in a path (`%00`) can name nothing; percent-decoding never yields a lone surrogate. */
export const pathHasNul = (rawPath: string): boolean => /%00/.test(rawPath) || rawPath.includes("\u0000");
