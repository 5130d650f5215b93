import { describe, expect, it } from "vitest";
import { RuleDefinitionSchema } from "../earning/earning.schemas.ts";
import type { LiveCampaign, LiveRule } from "../earning/earning.types.ts";
import { keyedDigest } from "../shared/server-key.ts";
import { codeMail, earningLines, hashLoginCode, loginCodeMatches, newLoginCode } from "./portal.rules.ts";

describe("sign-in codes", () => {
  const digest = keyedDigest("the server key of these tests, 32 characters or more");
  it.each([
    [0, "000000"],
    [42, "000042"],
    [999_999, "999999"],
  ])("draws %i as %s", (n, code) => {
    expect(newLoginCode(() => n)).toBe(code);
  });

  it("asks the CSPRNG for one of a million codes", () => {
    const seen: [number, number][] = [];
    newLoginCode((min, max) => {
      seen.push([min, max]);
      return 7;
    });
    expect(seen).toEqual([[0, 1_000_000]]);
  });

  it.each([
    ["123456", true],
    ["123 456", true],
    [" 123-456 ", true],
    ["123457", false],
    ["", false],
    ["1234567", false],
  ])("checks %j against 123456: %s", (typed, ok) => {
    expect(loginCodeMatches(digest, "mlc_1", typed, hashLoginCode(digest, "mlc_1", "123456"))).toBe(ok);
  });

  it("hashes the same code differently for each code row, and refuses a malformed stored hash", () => {
    expect(hashLoginCode(digest, "mlc_1", "123456")).not.toBe(hashLoginCode(digest, "mlc_2", "123456"));
    expect(loginCodeMatches(digest, "mlc_1", "123456", "abc")).toBe(false);
  });

  it("hashes under the server key: another key neither makes nor accepts the same hash", () => {
    const other = keyedDigest("another server key, 32 characters or more");
    expect(hashLoginCode(other, "mlc_1", "123456")).not.toBe(hashLoginCode(digest, "mlc_1", "123456"));
    expect(loginCodeMatches(other, "mlc_1", "123456", hashLoginCode(digest, "mlc_1", "123456"))).toBe(false);
  });

  it("puts the code in the subject and the text, and escapes the programme name in HTML", () => {
    const mail = codeMail("a@example.com", "Tom & <Jerry>", "012345", "sign_in");
    expect(mail.subject).toBe("012345 is your Tom & <Jerry> sign-in code");
    expect(mail.text).toContain("Your sign-in code: 012345");
    expect(mail.html).toContain("Tom &#38; &#60;Jerry&#62;");
    expect(codeMail("a@example.com", "X", "1", "already_member").text).toMatch(/already a member/);
  });
});

describe("how points are earned", () => {
  const at = new Date("2026-06-01T12:00:00Z");
  const rule = (name: string, extra: Partial<LiveRule> = {}, definition: Record<string, unknown> = {}): LiveRule => ({
    id: `rul_${name}`,
    version: 1,
    name,
    status: "active",
    campaign: null,
    definition: RuleDefinitionSchema.parse({
      name,
      trigger: "purchase",
      effect: { type: "fixed_points", points: 5 },
      ...definition,
    }),
    ...extra,
  });
  const campaign = (startsAt: string | null, endsAt: string | null, audience: unknown[] = []): LiveCampaign => ({
    id: "cmp_1",
    version: 1,
    name: "C",
    status: "active",
    startsAt: startsAt ? new Date(startsAt) : null,
    endsAt: endsAt ? new Date(endsAt) : null,
    audience: audience as LiveCampaign["audience"],
    holdoutPercent: 0,
    budgetPoints: null,
  });

  it("lists standing rules and running campaigns open to all, higher priority first, in their own words", () => {
    const lines = earningLines(
      [
        rule("Per dollar", {}, { description: "1 point per $1" }),
        rule("Welcome", {}, { trigger: "signup", priority: 10 }),
        rule("Running", { campaign: campaign("2026-05-01T00:00:00Z", "2026-07-01T00:00:00Z") }),
        rule("Over", { campaign: campaign("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z") }),
        rule("Later", { campaign: campaign("2026-09-01T00:00:00Z", null) }),
        rule("Gold only", { campaign: campaign(null, null, [{ type: "tier", tier: "Gold" }]) }),
      ],
      at,
    );
    expect(lines).toEqual([
      { name: "Welcome", description: null, trigger: "signup" },
      { name: "Per dollar", description: "1 point per $1", trigger: "purchase" },
      { name: "Running", description: null, trigger: "purchase" },
    ]);
  });
});
