import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { DateTimeSchema, DayOrDateTimeSchema, DaySchema, fractionDigits, urlSchema } from "./schemas.ts";
import { installValidationMessages } from "./validation-messages.ts";

installValidationMessages();

/** The messages a value gets, none when it is valid. */
const messages = (schema: z.ZodType, input: unknown) => (schema.safeParse(input).error?.issues ?? []).map((i) => i.message);

const FORMAT = "must be an ISO 8601 time with an offset, such as 2026-11-23T09:30:00Z";
const YEARS = "must be a date and time in the years 1900 to 9999";
const DECIMALS = "must have at most 3 decimal places of seconds";

describe("DateTimeSchema", () => {
  it.each([
    ["2026-11-23T09:30:00Z"],
    ["2026-11-23T09:30:00.5Z"],
    ["2026-11-23T09:30:00.123+05:30"],
    ["2026-11-23T09:30:00-08:00"],
    ["1900-01-01T00:00:00Z"],
    ["9999-12-31T23:59:59.999Z"],
    ["2024-02-29T12:00:00Z"],
  ])("accepts %s", (input) => {
    expect(messages(DateTimeSchema, input)).toEqual([]);
  });

  it.each([
    ["1899-12-31T23:59:59Z", [YEARS]],
    ["0000-01-01T00:00:00Z", [YEARS]],
    ["1900-01-01T00:30:00+01:00", [YEARS]],
    ["9999-12-31T23:00:00-05:00", [YEARS]],
    ["2026-11-23T09:30:00.123456789Z", [DECIMALS]],
    ["2026-11-23T09:30:00.1234Z", [DECIMALS]],
    ["2026-11-23T09:30:00", [FORMAT]],
    ["2026-11-23", [FORMAT]],
    ["2026-02-29T09:30:00Z", [FORMAT]],
    ["+275760-09-13T00:00:00Z", [FORMAT]],
    ["tomorrow", [FORMAT]],
  ])("refuses %s", (input, expected) => {
    expect(messages(DateTimeSchema, input)).toEqual(expected);
  });
});

describe("fractionDigits", () => {
  it.each([
    ["2026-11-23T09:30:00Z", 0],
    ["2026-11-23T09:30:00.1Z", 1],
    ["2026-11-23T09:30:00.123+01:00", 3],
    ["2026-11-23T09:30:00.123456789Z", 9],
  ])("%s: %i", (input, expected) => {
    expect(fractionDigits(input)).toBe(expected);
  });
});

describe("DaySchema", () => {
  it.each([["2026-11-23"], ["1900-01-01"], ["9999-12-31"], ["2024-02-29"]])("accepts %s", (input) => {
    expect(messages(DaySchema, input)).toEqual([]);
  });

  it.each([
    ["1899-12-31", ["must be a day in the years 1900 to 9999"]],
    ["0000-01-01", ["must be a day in the years 1900 to 9999"]],
    ["2026-02-29", ["must be a date, YYYY-MM-DD"]],
    ["2026-04-31", ["must be a date, YYYY-MM-DD"]],
    ["2026-11-23T00:00:00Z", ["must be a date, YYYY-MM-DD"]],
    ["23/11/2026", ["must be a date, YYYY-MM-DD"]],
  ])("refuses %s", (input, expected) => {
    expect(messages(DaySchema, input)).toEqual(expected);
  });
});

describe("DayOrDateTimeSchema: the message of the kind the input looks like", () => {
  it.each([["2026-11-23"], ["2026-11-23T09:30:00Z"]])("accepts %s", (input) => {
    expect(messages(DayOrDateTimeSchema, input)).toEqual([]);
  });

  it.each([
    ["1899-12-31", ["must be a day in the years 1900 to 9999"]],
    ["2026-04-31", ["must be a date, YYYY-MM-DD"]],
    ["1899-12-31T00:00:00Z", [YEARS]],
    ["2026-11-23T09:30:00.123456Z", [DECIMALS]],
    ["soon", [FORMAT]],
  ])("refuses %s", (input, expected) => {
    expect(messages(DayOrDateTimeSchema, input)).toEqual(expected);
  });
});

describe("urlSchema", () => {
  const WHITESPACE = "must not contain spaces, line breaks or control characters";
  const image = urlSchema({ dataImages: true });
  const link = urlSchema();
  const IMAGE_KIND = "must be an http(s) URL or a data:image URL, such as https://example.com/picture.png";
  const LINK_KIND = "must be an http(s) URL, such as https://example.com/picture.png";

  it.each([
    ["https://example.com/picture.png", true, true],
    ["http://localhost:5173/a.png?size=2#x", true, true],
    ["https://exämple.com/bild.png", true, true],
    ["data:image/png;base64,iVBORw0KGgo=", true, false],
    ["data:image/svg+xml,%3Csvg%3E%3C/svg%3E", true, false],
  ])("%s: as an image %s, as a link %s", (input, asImage, asLink) => {
    expect(messages(image, input)).toEqual(asImage ? [] : [IMAGE_KIND]);
    expect(messages(link, input)).toEqual(asLink ? [] : [LINK_KIND]);
  });

  it.each([
    ["https://example.com/a\r\nSet-Cookie: x=1", [WHITESPACE]],
    ["https://example.com/a\n.png", [WHITESPACE]],
    ["https://example.com/a\t.png", [WHITESPACE]],
    ["https://example.com/a b.png", [WHITESPACE]],
    [" https://example.com/a.png", [WHITESPACE]],
    ["https://example.com/\u0000.png", [WHITESPACE]],
    ["ftp://example.com/a.png", [IMAGE_KIND]],
    ["javascript:alert(1)", [IMAGE_KIND]],
    ["data:text/html,<script>alert(1)</script>", [IMAGE_KIND]],
    ["example.com/a.png", [IMAGE_KIND]],
    ["https://", [IMAGE_KIND]],
  ])("refuses %j", (input, expected) => {
    expect(messages(image, input)).toEqual(expected);
  });

  it("refuses a URL longer than 2000 characters", () => {
    const url = `https://example.com/${"a".repeat(1980)}`;
    expect(messages(image, url)).toEqual([]);
    expect(messages(image, `${url}a`)).toEqual(["must be at most 2000 characters"]);
  });
});
