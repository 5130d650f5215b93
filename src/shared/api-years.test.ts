import { describe, expect, it } from "vitest";
import { isoDateYear, parseApiInstant } from "./api-years.ts";

describe("the years the API takes", () => {
  it.each([
    ["2026-11-23T09:30:00.000Z", "2026-11-23T09:30:00.000Z"],
    ["1900-01-01T00:00:00.000Z", "1900-01-01T00:00:00.000Z"],
    ["1899-12-31T23:59:59.999Z", null],
    ["0000-01-01T00:00:00.000Z", null],
    ["+275760-09-13T00:00:00.000Z", null],
    ["not a time", null],
  ])("reads the time %s back as %s", (text, at) => {
    expect(parseApiInstant(text)?.toISOString() ?? null).toBe(at);
  });

  it.each([
    ["2026-11-23", 2026],
    ["2026-11-23T09:30:00Z", 2026],
    ["+275760-09-13T00:00:00Z", 275760],
    ["-000001-01-01", -1],
    ["2026-11-23 opening", null],
    ["20261123", null],
    ["mem_2026-11-23", null],
  ])("finds the year of %s: %s", (text, year) => {
    expect(isoDateYear(text)).toBe(year);
  });
});
