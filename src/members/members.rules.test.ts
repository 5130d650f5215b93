import { describe, expect, it } from "vitest";
import { isAfterToday, normalizeEmail, normalizePhone } from "./members.rules.ts";

describe("normalizePhone", () => {
  it.each([
    ["(555) 123-4567", "US", "+15551234567"],
    ["555.123.4567", "US", "+15551234567"],
    ["+1 555 123 4567", null, "+15551234567"],
    ["+1 (555) 123-4567", "FR", "+15551234567"],
    ["06 12 34 56 78", "FR", "+33612345678"],
    ["020 7946 0958", "GB", "+442079460958"],
    ["555-1234567", null, null],
    ["12", "US", null],
    ["not a phone", "US", null],
  ])("%s in %s is %s", (input, country, expected) => {
    expect(normalizePhone(input, country)).toBe(expected);
  });
});

describe("normalizeEmail", () => {
  it("trims and lower-cases", () => {
    expect(normalizeEmail("  Ada.Lovelace@Example.COM ")).toBe("ada.lovelace@example.com");
  });
});

describe("isAfterToday", () => {
  // 2026-12-07T23:30Z is already 8 December in Tokyo and still 7 December in New York.
  const now = new Date("2026-12-07T23:30:00Z");
  it.each([
    ["2026-12-07", "America/New_York", false],
    ["2026-12-08", "America/New_York", true],
    ["2026-12-08", "Asia/Tokyo", false],
    ["2026-12-09", "Asia/Tokyo", true],
    ["1900-01-01", "UTC", false],
    ["9999-12-31", "UTC", true],
  ])("%s in %s: %s", (day, timezone, expected) => {
    expect(isAfterToday(day, now, timezone)).toBe(expected);
  });
});
