import { describe, expect, it } from "vitest";
import { defaultsFor, localProblem, setupBody, tokenFromHash } from "./setup-draft.ts";

describe("tokenFromHash", () => {
  it.each([
    ["#token=sb_setup_abc", "sb_setup_abc"],
    ["token=sb_setup_abc", "sb_setup_abc"],
    ["#token=", null],
    ["", null],
    ["#other=1", null],
  ])("%s", (hash, token) => {
    expect(tokenFromHash(hash)).toBe(token);
  });
});

describe("defaultsFor", () => {
  it.each([
    ["en-US", "America/New_York", "USD", "US"],
    ["fr-FR", "Europe/Paris", "EUR", "FR"],
    ["en-GB", "Europe/London", "GBP", "GB"],
    ["en", "", "USD", ""],
  ])("%s %s", (locale, tz, currency, country) => {
    const d = defaultsFor(locale, tz);
    expect(d).toMatchObject({ currency, country, timezone: tz || "UTC", pointValue: "1" });
  });
});

describe("setupBody", () => {
  const form = {
    ...defaultsFor("en-US", "America/New_York"),
    name: "Corner Coffee",
    email: " olive@example.com ",
    password: "p".repeat(12),
    confirm: "p".repeat(12),
  };
  it("sends the form as the API names it, the credential beside it", () => {
    expect(setupBody({ ...form, currency: "eur", country: "" }, { setupToken: "t" })).toEqual({
      setupToken: "t",
      program: { name: "Corner Coffee", currency: "EUR", timezone: "America/New_York", pointValue: 1 },
      owner: { email: "olive@example.com", password: "p".repeat(12) },
    });
    const body = setupBody({ ...form, ownerName: " Olive ", pointValue: "" }, { operatorKey: "k" });
    expect(body.program).not.toHaveProperty("pointValue");
    expect(body).toMatchObject({
      operatorKey: "k",
      program: { country: "US" },
      owner: { name: "Olive" },
    });
  });

  it("tells two different passwords before asking the server", () => {
    expect(localProblem(form)).toBeNull();
    expect(localProblem({ ...form, confirm: "other" })).toEqual({ field: "confirm", message: "The two passwords differ" });
  });
});
