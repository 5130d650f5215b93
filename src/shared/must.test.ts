import { describe, expect, it } from "vitest";
import { must } from "./must.ts";

describe("must", () => {
  it.each([0, "", false, "x", 7])("gives back %o", (value) => {
    expect(must(value)).toBe(value);
  });

  it.each([
    [undefined, undefined, "expected a value"],
    [null, undefined, "expected a value"],
    [undefined, "the reward", "expected the reward"],
    [null, "the capture", "expected the capture"],
  ])("throws on %o (%s)", (value, what, message) => {
    expect(() => must(value, what)).toThrow(message);
  });
});
