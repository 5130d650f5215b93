import { describe, expect, it } from "vitest";
import { plural } from "./plural.ts";

describe("plural", () => {
  it.each([
    [0, "point", "0 points"],
    [1, "point", "1 point"],
    [2, "stamp", "2 stamps"],
    [1n, "character", "1 character"],
    [10n, "character", "10 characters"],
  ] as const)("%o %s -> %s", (n, word, expected) => {
    expect(plural(n, word)).toBe(expected);
  });
});
