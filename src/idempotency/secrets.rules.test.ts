import { describe, expect, it } from "vitest";
import { withoutSecrets, withSecretsDigested } from "./secrets.rules.ts";

describe("withoutSecrets", () => {
  const at = new Date("2026-01-01T00:00:00Z");
  it.each([
    ["a created key", { id: "key_1", secret: "sb_pos_x" }, { id: "key_1", secret: null, secretShownOnce: true }],
    [
      "a created programme's key, nested",
      { program: { id: "prg_1" }, apiKey: { id: "key_1", secret: "sb_admin_x" } },
      { program: { id: "prg_1" }, apiKey: { id: "key_1", secret: null, secretShownOnce: true } },
    ],
    [
      "every secret field",
      { password: "p", token: "t", csrfToken: "c" },
      { password: null, token: null, csrfToken: null, secretShownOnce: true },
    ],
    ["in a list", { data: [{ secret: "s" }, { id: "x" }] }, { data: [{ secret: null, secretShownOnce: true }, { id: "x" }] }],
    ["a null secret: nothing was shown", { secret: null }, { secret: null }],
    ["no secret", { id: "mem_1", at, tags: ["a"], n: 1 }, { id: "mem_1", at, tags: ["a"], n: 1 }],
    ["an error answer", { error: { code: "conflict", message: "m" } }, { error: { code: "conflict", message: "m" } }],
    ["a scalar", "text", "text"],
    ["null", null, null],
  ])("%s", (_name, answer, stored) => {
    expect(withoutSecrets(answer)).toEqual(stored);
  });

  it("leaves the answer it is given as it is (the first caller still gets the secret)", () => {
    const answer = { apiKey: { secret: "sb_admin_x" } };
    withoutSecrets(answer);
    expect(answer.apiKey.secret).toBe("sb_admin_x");
  });
});

describe("withSecretsDigested", () => {
  const digest = (secret: string) => `digest(${secret})`;
  it.each([
    ["a password", { email: "a@b.c", password: "pw" }, { email: "a@b.c", password: "digest(pw)" }],
    [
      "nested and in lists",
      { staff: [{ password: "p1" }, { token: "t" }] },
      { staff: [{ password: "digest(p1)" }, { token: "digest(t)" }] },
    ],
    ["a non-string secret field is left as it is", { secret: null, password: 3 }, { secret: null, password: 3 }],
    ["no secret", { name: "x", n: [1, 2] }, { name: "x", n: [1, 2] }],
    ["a scalar", "password", "password"],
  ])("%s", (_name, body, expected) => {
    expect(withSecretsDigested(body, digest)).toEqual(expected);
  });
});
