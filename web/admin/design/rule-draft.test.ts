import { describe, expect, it } from "vitest";
import type { Rule } from "../api/rules.ts";
import { emptyCondition, type RuleDraft, ruleBody, ruleDraft } from "./rule-draft.ts";

const saved = (fields: Partial<Rule>): Rule => ({
  id: "rul_1",
  campaignId: null,
  name: "Base",
  description: null,
  status: "active",
  version: 1,
  trigger: "purchase",
  conditions: [],
  items: null,
  effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
  limits: {},
  priority: 0,
  stacking: "stack",
  pendingDays: null,
  expiry: null,
  fundedBy: "program",
  inForceFrom: null,
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
  ...fields,
});

/** The definition part of a saved rule: what a save sends back unchanged. */
const definition = ({ name, status, trigger, conditions, effect, limits, priority, stacking, fundedBy }: Rule) => ({
  name,
  status,
  trigger,
  conditions,
  effect,
  limits,
  priority,
  stacking,
  fundedBy,
});

describe("ruleDraft -> ruleBody: a saved rule goes back as it came", () => {
  const cases: [string, Partial<Rule>][] = [
    ["points per amount", {}],
    ["points per item", { effect: { type: "points_per_item", points: 5 } }],
    ["fixed points", { effect: { type: "fixed_points", points: 50 } }],
    ["multiplier", { effect: { type: "multiplier", factor: 2, rounding: "ceil" } }],
    ["stamps", { effect: { type: "stamps", cardSize: 8, per: "item", rewardPoints: 100 } }],
    ["limits", { limits: { perEvent: 500, perMember: { period: "month", maxPoints: 1000, maxAwards: 3 } } }],
    [
      "every kind of condition",
      {
        conditions: [
          { type: "min_amount", amount: 2550 },
          { type: "channel", in: ["store", "app"] },
          { type: "store", in: ["s1", "s2"] },
          { type: "partner", in: ["p1"] },
          { type: "tier", in: ["Gold"] },
          { type: "segment", in: ["vip"] },
          { type: "day_of_week", days: ["sat", "sun"] },
          { type: "time_of_day", from: "09:00", to: "12:00" },
          { type: "date_window", from: "2026-03-01T09:00:00Z" },
          { type: "purchase_number", n: 3, every: true },
          { type: "event_attribute", key: "source", op: "eq", value: "kiosk" },
          { type: "member_attribute", key: "age", op: "gte", value: 18 },
          { type: "member_attribute", key: "plan", op: "in", value: ["gold", 2, true] },
          { type: "event_attribute", key: "coupon", op: "exists" },
        ],
      },
    ],
    [
      "a schedule (a whole-day date window) stays last",
      { conditions: [{ type: "date_window", from: "2026-03-01", to: "2026-03-31" }] },
    ],
    ["priority, stacking, partner funding", { priority: 7, stacking: "exclusive", fundedBy: "partner", status: "inactive" }],
  ];
  it.each(cases)("%s", (_, fields) => {
    const rule = saved(fields);
    expect(ruleBody(ruleDraft(rule, "USD"), "USD", true)).toEqual({ ...definition(rule), items: {} });
  });

  it("keeps the items, the description, the pending days and the expiry", () => {
    const rule = saved({
      description: "Double on shoes",
      items: { include: { categories: ["shoes"], brands: ["acme"] }, exclude: { skus: ["GIFT"] } },
      pendingDays: 14,
      expiry: { policy: "fixed_period", months: 12, roundTo: "month_end" },
    });
    expect(ruleBody(ruleDraft(rule, "USD"), "USD", true)).toEqual({
      ...definition(rule),
      description: "Double on shoes",
      items: { include: { categories: ["shoes"], brands: ["acme"] }, exclude: { skus: ["GIFT"] } },
      pendingDays: 14,
      expiry: { policy: "fixed_period", months: 12, roundTo: "month_end" },
    });
  });

  it("reads money in the currency's own minor units", () => {
    const rule = saved({ effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" } });
    expect(ruleDraft(rule, "USD").per).toBe("1");
    expect(ruleDraft(rule, "JPY").per).toBe("100");
    expect(ruleBody(ruleDraft(rule, "JPY"), "JPY", true).effect).toEqual(rule.effect);
  });
});

describe("ruleDraft", () => {
  it("starts a new rule as the form shows it", () => {
    const d = ruleDraft(null, "USD");
    expect({ ...d, conditions: d.conditions.length }).toEqual({
      name: "",
      description: "",
      status: "active",
      trigger: "purchase",
      conditions: 0,
      scheduleFrom: "",
      scheduleTo: "",
      onlySkus: "",
      onlyCategories: "",
      onlyBrands: "",
      exceptSkus: "",
      exceptCategories: "",
      exceptBrands: "",
      effect: "points_per_amount",
      points: "1",
      per: "1",
      rounding: "floor",
      factor: "2",
      cardSize: "10",
      stampPer: "event",
      rewardPoints: "",
      perEvent: "",
      period: "",
      maxPoints: "",
      maxAwards: "",
      priority: "0",
      stacking: "stack",
      pendingDays: "",
      expiry: "default",
      expiryMonths: "12",
      expiryRoundTo: "none",
      fundedBy: "program",
    } satisfies Record<keyof RuleDraft, unknown>);
  });

  it("shows the first whole-day date window as the schedule, the others as conditions", () => {
    const d = ruleDraft(
      saved({
        conditions: [
          { type: "date_window", from: "2026-01-01T08:00:00Z" },
          { type: "date_window", from: "2026-02-01", to: "2026-02-28" },
          { type: "date_window", to: "2026-12-31" },
        ],
      }),
      "USD",
    );
    expect([d.scheduleFrom, d.scheduleTo]).toEqual(["2026-02-01", "2026-02-28"]);
    expect(d.conditions.map((c) => [c.type, c.from, c.to])).toEqual([
      ["date_window", "2026-01-01T08:00:00Z", ""],
      ["date_window", "", "2026-12-31"],
    ]);
  });
});

describe("ruleBody", () => {
  const draft = (fields: Partial<RuleDraft>): RuleDraft => ({ ...ruleDraft(null, "USD"), name: "New", ...fields });

  const cases: [string, Partial<RuleDraft>, Record<string, unknown>][] = [
    [
      "a new rule with the form's defaults",
      {},
      {
        name: "New",
        status: "active",
        trigger: "purchase",
        conditions: [],
        effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
        limits: {},
        priority: 0,
        stacking: "stack",
        fundedBy: "program",
      },
    ],
    [
      "blank numbers are left out for the API to name",
      { points: " ", per: "" },
      { effect: { type: "points_per_amount", points: undefined, per: undefined, rounding: "floor" } },
    ],
    [
      "text that is not a number goes as typed",
      { effect: "fixed_points", points: "ten" },
      { effect: { type: "fixed_points", points: "ten" } },
    ],
    ["a per-member limit only with a period", { perEvent: "100", maxPoints: "5" }, { limits: { perEvent: 100 } }],
    ["a period with its maxima", { period: "week", maxAwards: "2" }, { limits: { perMember: { period: "week", maxAwards: 2 } } }],
    [
      "a schedule after the conditions",
      { scheduleTo: "2026-06-30" },
      { conditions: [{ type: "date_window", to: "2026-06-30" }] },
    ],
    [
      "eligible items, comma-separated",
      { onlySkus: "A1, B2 ,", exceptBrands: "acme" },
      { items: { include: { skus: ["A1", "B2"] }, exclude: { brands: ["acme"] } } },
    ],
    ["never-expiring points", { expiry: "none" }, { expiry: { policy: "none" } }],
    ["the trigger trimmed", { trigger: " review " }, { trigger: "review" }],
    ["a description only when not blank", { description: "  " }, {}],
    ["pending days when given", { pendingDays: "0" }, { pendingDays: 0 }],
    ["priority blank: 0", { priority: "" }, { priority: 0 }],
  ];
  it.each(cases)("%s", (_, fields, expected) => {
    expect(ruleBody(draft(fields), "USD", false)).toMatchObject(expected);
  });

  it("sends no item selector for a new rule without one, an empty one to clear an edited rule's", () => {
    expect(ruleBody(draft({}), "USD", false)).not.toHaveProperty("items");
    expect(ruleBody(draft({}), "USD", true).items).toEqual({});
  });

  it("turns condition rows into the API's conditions", () => {
    const row = (fields: Partial<ReturnType<typeof emptyCondition>>) => ({ ...emptyCondition(), ...fields });
    const body = ruleBody(
      draft({
        conditions: [
          row({ type: "min_amount", amount: "12.5" }),
          row({ type: "tier", values: "Gold, Silver" }),
          row({ type: "tier", picks: ["Gold"], values: "ignored" }),
          row({ type: "purchase_number", n: "2", every: false }),
          row({ type: "event_attribute", attribute: " score ", op: "in", value: "1, two, false" }),
          row({ type: "member_attribute", attribute: "vip", op: "exists", value: "kept out" }),
          row({ type: "member_attribute", attribute: "age", op: "lte", value: "" }),
        ],
      }),
      "USD",
      false,
    );
    expect(body.conditions).toEqual([
      { type: "min_amount", amount: 1250 },
      { type: "tier", in: ["Gold", "Silver"] },
      { type: "tier", in: ["Gold"] },
      { type: "purchase_number", n: 2, every: false },
      { type: "event_attribute", key: "score", op: "in", value: [1, "two", false] },
      { type: "member_attribute", key: "vip", op: "exists" },
      { type: "member_attribute", key: "age", op: "lte", value: "" },
    ]);
  });
});
