import { describe, expect, it } from "vitest";
import { codeKey, normalizeCode } from "./codes.rules.ts";

describe("codeKey: codes match on their letters and digits", () => {
  it.each([
    ["SB-A89Z-ZT43-6XSB", "SBA89ZZT436XSB"],
    ["sb-a89z-zt43-6xsb", "SBA89ZZT436XSB"],
    ["SBA89ZZT436XSB", "SBA89ZZT436XSB"],
    ["a89z zt43 6xsb", "A89ZZT436XSB"],
    ["  A89Z-ZT43-6XSB \n", "A89ZZT436XSB"],
    ["A89Z\tZT43\u00a06XSB", "A89ZZT436XSB"],
    ["A89Z\u2013ZT43\u2014 6XSB", "A89ZZT436XSB"], // en and em dashes from autocorrect
    ["A89Z\u2212ZT43\u20116XSB", "A89ZZT436XSB"], // minus sign, non-breaking hyphen
    ["a89z_zt43.6xsb/", "A89ZZT436XSB"],
    ["GIFT#2026*01", "GIFT202601"],
    ["(ab)[cd]{ef}<gh>", "ABCDEFGH"],
    ["!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", ""],
    ["---", ""],
    ["café-Ärger", "CAFÉÄRGER"], // letters of any script stay, upper-cased
    ["straße", "STRASSE"],
    ["ΑΒΓ-δεζ", "ΑΒΓΔΕΖ"],
    ["12\u3000345", "12345"], // ideographic space
  ])("%j -> %j", (input, key) => {
    expect(codeKey(input)).toBe(key);
  });

  it("is idempotent, and the key of the stored form is the key of what was typed", () => {
    for (const typed of ["sb-a89z zt43-6xsb", "gift 2026_01", "Ab-Cd\u2013Ef"]) {
      expect(codeKey(codeKey(typed))).toBe(codeKey(typed));
      expect(codeKey(normalizeCode(typed))).toBe(codeKey(typed));
    }
  });
});

describe("normalizeCode: the stored and shown form", () => {
  it.each([
    ["sb-a89z-zt43-6xsb", "SB-A89Z-ZT43-6XSB"],
    [" gift aaaa 0001 ", "GIFTAAAA0001"],
    ["GIFT-AAAA-0002", "GIFT-AAAA-0002"],
  ])("%j -> %j", (input, stored) => {
    expect(normalizeCode(input)).toBe(stored);
  });
});
