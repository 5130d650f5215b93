import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CUSTOMER_REF_PATTERN } from "../events/events.schemas.ts";
import { bgnbdProbabilityAlive, fitBgNbd, summarise } from "./customer-value.rules.ts";
import { memberFigures } from "./customer-value-fit.rules.ts";
import {
  comparisonWindow,
  daysBetween,
  fitAndValue,
  historyOf,
  partMeasures,
  perUnit,
  rankAtRisk,
  share,
  sideMeasures,
} from "./customers.rules.ts";

const NOW = new Date("2026-07-01T12:00:00Z");

describe("comparisonWindow", () => {
  it.each([
    // to defaults to today, from to 364 days before it; the previous window is as many days before from.
    [{}, "UTC", { from: "2025-07-02", to: "2026-07-01", days: 365, previousFrom: "2024-07-02" }],
    [
      { from: "2026-04-01", to: "2026-06-30" },
      "UTC",
      { from: "2026-04-01", to: "2026-06-30", days: 91, previousFrom: "2025-12-31" },
    ],
    [
      { from: "2026-06-30", to: "2026-06-30" },
      "UTC",
      { from: "2026-06-30", to: "2026-06-30", days: 1, previousFrom: "2026-06-29" },
    ],
    // 1 July 12:00Z is 2 July 02:00 on Kiritimati (UTC+14): today is 2 July there.
    [{}, "Pacific/Kiritimati", { to: "2026-07-02" }],
  ])("%j in %s", (query, zone, expected) => {
    expect(comparisonWindow(query, zone, NOW)).toMatchObject(expected);
  });

  it("runs instants in the programme's zone and stops exposure at now when to is today", () => {
    const w = comparisonWindow({ from: "2026-06-01", to: "2026-07-01" }, "America/New_York", NOW);
    expect(w.start.toISOString()).toBe("2026-06-01T04:00:00.000Z");
    expect(w.end.toISOString()).toBe("2026-07-02T04:00:00.000Z");
    expect(w.observedEnd).toEqual(NOW);
    expect(comparisonWindow({ to: "2026-06-30" }, "UTC", NOW).observedEnd.toISOString()).toBe("2026-07-01T00:00:00.000Z");
  });

  it.each([
    [{ from: "2026-06-02", to: "2026-06-01" }, "from must not be after to"],
    [{ to: "2026-07-02" }, "to must not be after today (2026-07-01 in UTC)"],
    [{ from: "2023-06-01", to: "2026-06-30" }, "A comparison covers at most 1098 days"],
    [{ from: "2026-02-30" }, "from is not a date (YYYY-MM-DD)"],
  ])("refuses %j", (query, message) => {
    expect(() => comparisonWindow(query, "UTC", NOW)).toThrow(message);
  });
});

describe("measures", () => {
  it.each([
    [2, 3, 0.6667],
    [1, 3, 0.3333],
    [0, 5, 0],
    [3, 0, null],
  ])("share(%d, %d) = %s", (n, d, expected) => {
    expect(share(n, d)).toBe(expected);
  });

  it.each([
    [13700, 6, 2283],
    [9500, 3, 3167],
    [5, 2, 3], // 2.5 rounds half away from zero
    [-5, 2, -3],
    [100, 0, null],
  ])("perUnit(%d, %d) = %s", (money, units, expected) => {
    expect(perUnit(money, units)).toBe(expected);
  });

  it("works out a side's measures from its counts", () => {
    const counts = { customers: 3, purchases: 6, revenue: 13700, repeatCustomers: 2, previousCustomers: 3, retainedCustomers: 2 };
    expect(sideMeasures(counts)).toEqual({
      ...counts,
      purchasesPerCustomer: 2,
      spendPerTransaction: 2283,
      revenuePerCustomer: 4567,
      repeatRate: 0.6667,
      retention: 0.6667,
    });
    const none = { customers: 0, purchases: 0, revenue: 0, repeatCustomers: 0, previousCustomers: 0, retainedCustomers: 0 };
    expect(sideMeasures(none)).toMatchObject({
      purchasesPerCustomer: null,
      spendPerTransaction: null,
      repeatRate: null,
      retention: null,
    });
  });

  it.each([
    [
      { purchases: 1, revenue: 1800, exposureDays: 14.5 },
      { purchasesPer30Days: 2.069, spendPerTransaction: 1800 },
    ],
    [
      { purchases: 2, revenue: 4200, exposureDays: 76.5 },
      { purchasesPer30Days: 0.7843, spendPerTransaction: 2100 },
    ],
    [
      { purchases: 0, revenue: 0, exposureDays: 0 },
      { purchasesPer30Days: null, spendPerTransaction: null },
    ],
    [
      { purchases: 0, revenue: 0, exposureDays: 10 },
      { purchasesPer30Days: 0, spendPerTransaction: null },
    ],
  ])("partMeasures(%j)", (counts, expected) => {
    expect(partMeasures(counts)).toMatchObject(expected);
  });

  it("counts days between programme days", () => {
    expect(daysBetween("2026-03-20", "2026-07-01")).toBe(103);
    expect(daysBetween("2026-07-01", "2026-07-01")).toBe(0);
    expect(daysBetween("2026-02-28", "2026-03-01")).toBe(1);
  });
});

describe("customerRef", () => {
  it.each([
    ["tok_4f9a", true],
    ["sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", true],
    ["b64+/abc==", true],
    ["x".repeat(128), true],
    ["x".repeat(129), false],
    ["", false],
    ["two words", false],
    ["someone@example.com", false],
    ["caf\u00e9", false],
    ["a;b", false],
    ["line\nbreak", false],
  ])("%j is allowed: %s", (ref, allowed) => {
    expect(CUSTOMER_REF_PATTERN.test(ref)).toBe(allowed);
  });
});

/** The CDNOW sample's first 39 weeks summarised in days: real histories both models fit. */
function cdnowHistories() {
  const byCustomer = new Map<string, { day: string; amount: number }[]>();
  const text = readFileSync(new URL("../../test/data/cdnow/CDNOW_sample.txt", import.meta.url), "utf8");
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const [, id, date, , dollars] = line.trim().split(/\s+/) as [string, string, string, string, string];
    const list = byCustomer.get(id) ?? [];
    list.push({ day: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`, amount: Math.round(Number(dollars) * 100) });
    byCustomer.set(id, list);
  }
  const customers = [...byCustomer].map(([customerId, transactions]) => ({ customerId, transactions }));
  return summarise(customers, { calibrationEnd: "1997-09-30" }).map((s) => ({
    frequency: s.frequency,
    recency: s.recency,
    age: s.T,
    repeatSpend: s.monetaryValue * s.frequency,
  }));
}

const histories = cdnowHistories();

describe("fitAndValue", () => {
  it("fits the members' models on other customers' summaries and values each", () => {
    const fit = fitAndValue(histories);
    if (fit.status !== "fitted") throw new Error(fit.message);
    expect(fit.customers).toBe(2357);
    expect(fit.repeatCustomers).toBe(histories.filter((h) => h.frequency > 0).length);
    const one = fit.valued.find((v) => v.summary.frequency > 0);
    if (!one) throw new Error("no customer");
    expect(one.history).toEqual(historyOf(one.summary));
    expect(one.figures).toEqual(memberFigures(fit.parameters, one.history, { months: 12, monthlyDiscountRate: 0.01 }));
    expect(fit.parameters.r).toBe(fitBgNbd(histories.map(historyOf)).params.r);
  });

  it("answers the rules' refusal instead of throwing it", () => {
    expect(fitAndValue(histories.slice(0, 29))).toEqual({
      status: "refused",
      reason: "too_few_customers",
      message: "BG/NBD needs at least 30 customers; there are 29",
    });
    expect(fitAndValue([])).toMatchObject({ status: "refused", reason: "too_few_customers" });
    const noRepeat = histories.slice(0, 100).map((h) => ({ ...h, frequency: 0, recency: 0, repeatSpend: 0 }));
    expect(fitAndValue(noRepeat)).toMatchObject({ status: "refused", reason: "too_few_repeat_customers" });
  });

  it("takes the mean repeat spend from the summed repeat days", () => {
    expect(historyOf({ frequency: 2, recency: 36, age: 85, repeatSpend: 4000 })).toEqual({
      frequency: 2,
      recency: 36,
      T: 85,
      monetaryValue: 2000,
    });
    expect(historyOf({ frequency: 0, recency: 0, age: 10, repeatSpend: 0 }).monetaryValue).toBe(0);
  });
});

describe("rankAtRisk", () => {
  const fit = fitAndValue(histories);
  if (fit.status !== "fitted") throw new Error(fit.message);
  const params = fit.parameters;
  const member = (memberId: string, frequencyThen: number, recencyThen: number, ageThen: number, repeatSpendThen: number) => ({
    memberId,
    frequencyThen,
    recencyThen,
    ageThen,
    repeatSpendThen,
  });
  const falling = [
    member("mem_c", 10, 60, 70, 10 * 9000),
    member("mem_a", 10, 60, 70, 10 * 9000),
    member("mem_b", 4, 30, 70, 4 * 3000),
    member("mem_d", 1, 5, 70, 500),
  ];
  const clvOf = (m: (typeof falling)[number]) =>
    memberFigures(
      params,
      historyOf({ frequency: m.frequencyThen, recency: m.recencyThen, age: m.ageThen, repeatSpend: m.repeatSpendThen }),
      {
        months: 12,
        monthlyDiscountRate: 0.01,
      },
    ).clv;

  it("values each member as they stood then, keeps those worth minClv, highest first, ties by id", () => {
    const ranked = rankAtRisk(falling, params, 0, 10);
    expect(ranked.map((m) => m.memberId)).toEqual(["mem_a", "mem_c", "mem_b", "mem_d"]);
    expect(ranked.map((m) => m.clvThen)).toEqual([falling[1], falling[0], falling[2], falling[3]].map((m) => clvOf(m as never)));
    const threshold = clvOf(falling[2] as never);
    expect(rankAtRisk(falling, params, threshold, 10).map((m) => m.memberId)).toEqual(["mem_a", "mem_c", "mem_b"]);
    expect(rankAtRisk(falling, params, threshold + 1, 10).map((m) => m.memberId)).toEqual(["mem_a", "mem_c"]);
    expect(rankAtRisk(falling, params, 0, 1).map((m) => m.memberId)).toEqual(["mem_a"]);
    expect(rankAtRisk([], params, 0, 10)).toEqual([]);
  });

  it("the P(alive) the SQL states is the rules' (a member whose history then and now differ)", () => {
    // The at-risk SQL writes 1 / (1 + exp(ln(a / (b + x - 1)) + (r + x) ln((alpha + T) / (alpha + t_x)))), log odds
    // clamped to +-700; checked here against the rules' form over the range it is used on.
    for (const h of [
      { frequency: 17, recency: 68, T: 81 },
      { frequency: 17, recency: 68, T: 171 },
      { frequency: 1, recency: 1, T: 1000 },
      { frequency: 300, recency: 10, T: 5000 },
    ]) {
      const { r, alpha, a, b } = params;
      const odds = Math.log(a / (b + h.frequency - 1)) + (r + h.frequency) * Math.log((alpha + h.T) / (alpha + h.recency));
      const clamped = 1 / (1 + Math.exp(Math.min(700, Math.max(-700, odds))));
      expect(clamped).toBeCloseTo(bgnbdProbabilityAlive(params, h), 12);
    }
  });
});
