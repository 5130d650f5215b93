import { describe, expect, it } from "vitest";
import {
  averageOrderValue,
  type GoalDraft,
  goalIssues,
  goalWindows,
  measure,
  NO_PURCHASES,
  pace,
  periodDays,
  purchaseFrequency,
  roundMinor,
  type WindowCounts,
} from "./goals.rules.ts";
import { reportRange } from "./reports.rules.ts";

const draft = (over: Partial<GoalDraft>): GoalDraft => ({
  kind: "retention",
  captureField: null,
  target: 0.5,
  baseline: null,
  startDate: "2026-01-01",
  targetDate: "2026-06-30",
  ...over,
});

describe("goalIssues", () => {
  const cases: { name: string; goal: Partial<GoalDraft>; issues: [string, string][] }[] = [
    { name: "a share within 0..1", goal: {}, issues: [] },
    {
      name: "a share typed as a percentage",
      goal: { target: 35 },
      issues: [["target", "Retention is a share between 0 and 1 (0.35 means 35%): target 35 would be 3500%"]],
    },
    {
      name: "money with a fraction of a cent",
      goal: { kind: "average_order_value", target: 25.5 },
      issues: [
        ["target", "Average order value is money in minor units of USD: target must be a whole number, such as 2550 for $25.50"],
      ],
    },
    { name: "money in whole cents", goal: { kind: "average_order_value", target: 2550, baseline: 2000 }, issues: [] },
    {
      name: "a baseline above the target",
      goal: { kind: "average_order_value", target: 2000, baseline: 2500 },
      issues: [["baseline", "A goal raises average order value: the target ($20.00) must be above the baseline ($25.00)"]],
    },
    {
      name: "a baseline equal to the target",
      goal: { target: 0.4, baseline: 0.4 },
      issues: [["baseline", "A goal raises retention: the target (40%) must be above the baseline (40%)"]],
    },
    {
      name: "a zero target",
      goal: { kind: "purchase_frequency", target: 0 },
      issues: [["target", "The target must be above 0 purchases per 30 days"]],
    },
    {
      name: "an absurd frequency",
      goal: { kind: "purchase_frequency", target: 5000 },
      issues: [["target", "Purchase frequency counts purchases per member per 30 days: 5000 is more than 1000"]],
    },
    {
      name: "data capture without its detail",
      goal: { kind: "data_capture" },
      issues: [["captureField", "A data capture goal names the detail it counts: contact, marketing_consent or birth_date"]],
    },
    {
      name: "a detail on another kind",
      goal: { captureField: "contact" },
      issues: [["captureField", "Only data capture goals name a detail; retention does not"]],
    },
    {
      name: "a data capture share in percent",
      goal: { kind: "data_capture", captureField: "birth_date", target: 60 },
      issues: [["target", "Data capture: birth date is a share between 0 and 1 (0.35 means 35%): target 60 would be 6000%"]],
    },
    {
      name: "a target date on the start",
      goal: { targetDate: "2026-01-01" },
      issues: [["targetDate", "The target date (2026-01-01) must come after the start date (2026-01-01)"]],
    },
  ];
  it.each(cases)("$name", ({ goal, issues }) => {
    expect(goalIssues(draft(goal), "USD").map((i) => [i.path, i.message])).toEqual(issues);
  });
  it("words money in the programme's currency", () => {
    expect(goalIssues(draft({ kind: "average_order_value", target: 2000, baseline: 2500 }), "JPY")[0]?.message).toBe(
      "A goal raises average order value: the target (¥2,000) must be above the baseline (¥2,500)",
    );
  });
});

const window = (over: Partial<WindowCounts>): WindowCounts => ({
  purchases: NO_PURCHASES,
  retention: { previousBuyers: 0, retained: 0 },
  capture: { members: 0, contact: 0, marketingConsent: 0, birthDate: 0 },
  days: 30,
  ...over,
});

describe("measures", () => {
  const w = window({
    purchases: { memberPurchases: 6, memberRevenue: 18_001, purchasers: 4, guestPurchases: 3, guestRevenue: 7000 },
    retention: { previousBuyers: 3, retained: 2 },
    capture: { members: 6, contact: 4, marketingConsent: 2, birthDate: 1 },
    days: 59,
  });
  it.each([
    ["retention", null, 0.6667],
    ["purchase_frequency", null, 0.7627], // 6 / 4 x 30 / 59
    ["average_order_value", null, 3000], // 18001 / 6 = 3000.17
    ["member_revenue_share", null, 0.72], // 18001 / 25001 = 0.720011
    ["data_capture", "contact", 0.6667],
    ["data_capture", "marketing_consent", 0.3333],
    ["data_capture", "birth_date", 0.1667],
  ] as const)("%s %s", (kind, field, value) => {
    expect(measure(kind, field, w)).toBe(value);
  });
  it("is null with nothing to divide by", () => {
    for (const kind of ["retention", "purchase_frequency", "average_order_value", "member_revenue_share"] as const) {
      expect(measure(kind, null, window({}))).toBeNull();
    }
    expect(measure("data_capture", "contact", window({}))).toBeNull();
  });
  it("rounds money half away from zero", () => {
    expect([roundMinor(2.5), roundMinor(-2.5), roundMinor(2.49), roundMinor(-0.5)]).toEqual([3, -3, 2, -1]);
    expect(averageOrderValue(5, 2)).toBe(3);
    expect(averageOrderValue(-5, 2)).toBe(-3);
  });
  it("scales purchase frequency to 30 days", () => {
    expect(purchaseFrequency(3, 3, 28)).toBe(1.0714);
    expect(purchaseFrequency(2, 1, 30)).toBe(2);
    expect(purchaseFrequency(2, 0, 30)).toBeNull();
  });
});

describe("pace", () => {
  const base = {
    baseline: 2500,
    target: 3500,
    startDate: "2026-01-01",
    targetDate: "2026-04-01",
    unit: "money" as const,
  };
  it.each([
    // 58 of 90 days: 2500 + 1000 x 58 / 90 = 3144.4 -> 3144
    { current: 3000, asOf: "2026-02-28", expected: 3144, progress: 0.5, status: "behind", daysLeft: 32 },
    { current: 3200, asOf: "2026-02-28", expected: 3144, progress: 0.7, status: "on_track", daysLeft: 32 },
    { current: 3500, asOf: "2026-02-28", expected: 3144, progress: 1, status: "achieved", daysLeft: 32 },
    // before the start the pace is the baseline; after the target date, the target
    { current: 2500, asOf: "2025-12-15", expected: 2500, progress: 0, status: "on_track", daysLeft: 107 },
    { current: 3400, asOf: "2026-04-02", expected: 3500, progress: 0.9, status: "missed", daysLeft: -1 },
    { current: 2000, asOf: "2026-02-28", expected: 3144, progress: -0.5, status: "behind", daysLeft: 32 },
    { current: null, asOf: "2026-02-28", expected: 3144, progress: null, status: "no_data", daysLeft: 32 },
  ])("$current on $asOf: $status", ({ current, asOf, ...answer }) => {
    expect(pace({ ...base, current, asOf })).toEqual(answer);
  });
  it("cannot judge the pace without a baseline, only whether the target is met", () => {
    const noBaseline = { ...base, baseline: null, asOf: "2026-02-28" };
    expect(pace({ ...noBaseline, current: 3000 })).toEqual({
      expected: null,
      progress: null,
      status: "no_baseline",
      daysLeft: 32,
    });
    expect(pace({ ...noBaseline, current: 3600 }).status).toBe("achieved");
  });
});

describe("goalWindows", () => {
  it("puts the window as long before the range, and one interval before the series", () => {
    const range = reportRange({ from: "2026-01-15", to: "2026-03-14", interval: "month" }, "America/New_York", new Date());
    const w = goalWindows(range, "America/New_York");
    expect(w.days).toBe(59);
    expect(w.whole.starts.map((d) => d.toISOString())).toEqual(["2025-11-17T05:00:00.000Z", "2026-01-15T05:00:00.000Z"]);
    expect(w.series.starts.map((d) => d.toISOString())).toEqual([
      "2025-12-15T05:00:00.000Z",
      "2026-01-15T05:00:00.000Z",
      "2026-02-01T05:00:00.000Z",
      "2026-03-01T05:00:00.000Z",
    ]);
    // 8 March is 23 hours long in New York (DST): still a day.
    expect(periodDays(w.series.starts, w.series.end)).toEqual([31, 17, 28, 14]);
  });
});
