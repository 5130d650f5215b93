import { describe, expect, it } from "vitest";
import { findUnsafeQuery, findUnsafeString, pathHasNul, unsafeStringReason } from "./unsafe-input.ts";

describe("strings the API refuses at the edge", () => {
  it.each([
    ["plain text", "Ada Lovelace", null],
    ["emoji (a surrogate pair)", "coffee \u2615 \ud83c\udf70", null],
    ["a NUL character", "Ada\u0000", "invalid_format"],
    ["a lone high surrogate", "bad \ud800 text", "invalid_format"],
    ["a lone low surrogate", "\udc00", "invalid_format"],
    ["a date in range", "1900-01-01", null],
    ["a time in range", "9999-12-31T23:59:59Z", null],
    ["year 0000", "0000-01-01T00:00:00Z", "custom"],
    ["year 1899", "1899-12-31", "custom"],
    ["year +275760", "+275760-09-13T00:00:00.000Z", "custom"],
    ["year 10000, expanded", "+010000-01-01", "custom"],
    ["a date-like prefix in free text", "0001-01-01 opening day", null],
  ])("%s", (_, text, code) => {
    expect(unsafeStringReason(text)?.code ?? null).toBe(code);
  });

  it("names where in a JSON body the first refused string is, keys included", () => {
    expect(findUnsafeString({ a: [1, { b: "ok" }, { c: "x\u0000" }] })?.path).toBe("a.2.c");
    expect(findUnsafeString({ a: { "k\u0000": 1 } })?.path).toBe("a.k\u0000");
    expect(findUnsafeString("\u0000")?.path).toBe("");
    expect(findUnsafeString({ a: ["fine", 2, null, true] })).toBeNull();
  });

  it("names the query parameter, whether its name or one of its values is refused", () => {
    expect(findUnsafeQuery({ q: ["ok", "x\u0000"] })?.path).toBe("q");
    expect(findUnsafeQuery({ "q\u0000": ["ok"] })?.path).toBe("q\u0000");
    expect(findUnsafeQuery({ q: ["ok"], asOf: ["2026-01-01T00:00:00Z"] })).toBeNull();
  });

  it.each([
    ["/v1/members/mem_1", false],
    ["/v1/members/mem_1%00", true],
    ["/v1/members/mem_%2500", false],
  ])("%s has a NUL: %s", (path, nul) => {
    expect(pathHasNul(path)).toBe(nul);
  });
});
