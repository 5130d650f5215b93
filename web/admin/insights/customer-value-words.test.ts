import { describe, expect, it } from "vitest";
import type { ComparisonSide, CustomerValueFit } from "../api/insights-customers.ts";
import { atRiskRule } from "./customer-lists.tsx";
import { fitFailureWords, fitStatusWords, nonMemberFitWords, parameterFacts, predictedClvWords } from "./customer-value-words.ts";

describe("customer value in plain words", () => {
  it.each([
    // The 422 at once: counts from its details.
    [
      "too_few_customers",
      "BG/NBD needs at least 30 customers; there are 29",
      { reason: "too_few_customers", customers: 29, minimum: 30 },
      "The model needs at least 30 customers who bought; this programme has 29.",
    ],
    [
      "too_few_repeat_customers",
      "BG/NBD needs at least 10 customers who bought again; there are 4",
      { reason: "too_few_repeat_customers", repeatCustomers: 4, minimum: 10 },
      "The model needs at least 10 customers who bought on two different days; this programme has 4.",
    ],
    // A failed fit carries only reason and message: the count from the message, the minimum known.
    [
      "too_few_customers",
      "BG/NBD needs at least 30 customers; there are 12",
      undefined,
      "The model needs at least 30 customers who bought; this programme has 12.",
    ],
    ["too_few_customers", undefined, undefined, "The model needs at least 30 customers who bought."],
    [
      "infinite_mean_spend",
      "q <= 1",
      undefined,
      "Spend per purchase varies too widely for the model to estimate an average customer's spend.",
    ],
    ["something_new", "The API's own words", undefined, "The API's own words"],
    ["something_new", undefined, undefined, "The fit failed (something_new)."],
  ] as const)("%s, %s -> %s", (reason, message, details, words) => {
    expect(fitFailureWords(reason, message, details)).toBe(words);
  });

  it("never shows a reason code for a known reason", () => {
    for (const reason of ["not_identified", "did_not_converge", "not_finite", "infinite_mean_spend", "error"])
      expect(fitFailureWords(reason, "x")).not.toMatch(/_|^x$/);
  });

  it.each([
    // Fader, Hardie & Lee's CDNOW estimates (alpha in days: 4.414 weeks x 7).
    [
      { r: 0.243, alpha: 30.898, a: 0.793, b: 2.426, p: 6.25, q: 3.74, v: 1544 },
      { daysBetweenPurchases: 30.898 / 0.243, dropOutAfterPurchase: 0.793 / 3.219, meanSpend: (6.25 * 1544) / 2.74 },
    ],
    // q <= 1: the Gamma-Gamma mean is infinite, so no average spend is stated.
    [
      { r: 1, alpha: 10, a: 1, b: 1, p: 2, q: 1, v: 100 },
      { daysBetweenPurchases: 10, dropOutAfterPurchase: 0.5, meanSpend: null },
    ],
  ])("parameters %j -> %j", (parameters, facts) => {
    const got = parameterFacts(parameters);
    expect(got.daysBetweenPurchases).toBeCloseTo(facts.daysBetweenPurchases, 10);
    expect(got.dropOutAfterPurchase).toBeCloseTo(facts.dropOutAfterPurchase, 10);
    if (facts.meanSpend === null) expect(got.meanSpend).toBeNull();
    else expect(got.meanSpend).toBeCloseTo(facts.meanSpend, 6);
  });

  const fitOf = (changes: Partial<CustomerValueFit>): CustomerValueFit => ({
    id: "cvf_1",
    status: "queued",
    model: "bgnbd+gamma-gamma",
    timeUnit: "days",
    asOf: "2026-03-31",
    calibrationFrom: null,
    customers: null,
    repeatCustomers: null,
    error: null,
    requestedBy: "staff:stf_1",
    requestedAt: "2026-04-01T10:00:00Z",
    startedAt: null,
    fittedAt: null,
    ...changes,
  });
  it.each([
    [fitOf({}), "Fit queued (history up to 2026-03-31): waiting for the server's jobs to start it."],
    [fitOf({ status: "running" }), "Fitting (history up to 2026-03-31)…"],
    [
      fitOf({ status: "succeeded", customers: 43, repeatCustomers: 30 }),
      "Fit succeeded (history up to 2026-03-31): 43 customers, 30 of them repeat customers.",
    ],
    [
      fitOf({ status: "failed", error: { reason: "did_not_converge", message: "Nelder-Mead stopped" } }),
      "Fit failed (history up to 2026-03-31). The fit did not settle on an answer for this history. Try again once there are more purchases.",
    ],
  ])("%j -> %s", (f, words) => {
    expect(fitStatusWords(f)).toBe(words);
  });

  it.each([
    // The comparison's refusal carries only reason and message; the convertible list's 422 its counts too.
    [
      "too_few_customers",
      "BG/NBD needs at least 30 customers; there are 4",
      undefined,
      "The model needs at least 30 non-member customers who gave a reference (a card token or a hashed email); there are 4.",
    ],
    [
      "too_few_repeat_customers",
      "BG/NBD needs at least 10 customers who bought again; there are 3",
      { reason: "too_few_repeat_customers", repeatCustomers: 3 },
      "The model needs at least 10 non-member customers with a reference who bought on two different days; there are 3.",
    ],
    ["did_not_converge", "stopped", undefined, fitFailureWords("did_not_converge")],
  ] as const)("non-members: %s, %s -> %s", (reason, message, details, words) => {
    expect(nonMemberFitWords(reason, message, details)).toBe(words);
  });

  const clv = (changes: Partial<ComparisonSide["predictedClv"]>): ComparisonSide["predictedClv"] => ({
    status: "refused",
    meanClv: null,
    valuedCustomers: 0,
    asOf: "2026-06-30",
    reason: null,
    message: null,
    ...changes,
  });
  it.each([
    ["members", clv({ status: "valued", meanClv: 5000, valuedCustomers: 3 }), null],
    [
      "members",
      clv({ status: "no_model", asOf: null, reason: "no_model" }),
      "No prediction yet: the customer value model has not been fitted.",
    ],
    ["members", clv({ reason: "no_values" }), "No member who bought in these dates has a predicted value."],
    ["nonMembers", clv({ reason: "no_values" }), "No non-member customer with a reference bought in these dates."],
    [
      "nonMembers",
      clv({ reason: "too_few_customers", message: "BG/NBD needs at least 30 customers; there are 0" }),
      "The model needs at least 30 non-member customers who gave a reference (a card token or a hashed email); there are 0.",
    ],
  ] as const)("predicted CLV of %s: %j -> %s", (side, value, words) => {
    expect(predictedClvWords(side, value)).toBe(words);
  });

  it("states the at-risk rule from the figures the API applied", () => {
    expect(atRiskRule({ maxProbabilityAlive: 0.5, minDrop: 0.2, lookbackDays: 90 })).toBe(
      "chance still active under 50% and at least 20 points lower than 90 days ago",
    );
  });
});
