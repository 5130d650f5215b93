import { describe, expect, it } from "vitest";
import { displayPrefix, generateSecret, hashSecret, secretsEqual } from "./api-keys.rules.ts";

describe("API key secrets", () => {
  it("shows only the scope and six characters, however the random part is spelled", () => {
    for (let i = 0; i < 200; i++) {
      const secret = generateSecret("admin");
      expect(displayPrefix(secret)).toBe(secret.slice(0, "sb_admin_".length + 6));
    }
    expect(displayPrefix("sb_pos_a_b_c_d_e_f_g")).toBe("sb_pos_a_b_c_");
  });
  it("hashes deterministically and compares in constant time", () => {
    expect(hashSecret("x")).toBe(hashSecret("x"));
    expect(secretsEqual("abc", "abc")).toBe(true);
    expect(secretsEqual("abc", "abd")).toBe(false);
  });
});
