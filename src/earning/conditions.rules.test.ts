import { describe, expect, it } from "vitest";
import { event, fresh, member, perDollar, program } from "../../test/helpers/earning-fixtures.ts";
import { attributeHolds, failedCondition } from "./conditions.rules.ts";
import { RuleDefinitionSchema } from "./earning.schemas.ts";
import type { MemberFacts } from "./earning.types.ts";

const parse = (condition: Record<string, unknown>) => {
  const parsed = RuleDefinitionSchema.parse({ name: "c", trigger: "purchase", conditions: [condition], effect: perDollar })
    .conditions[0];
  if (!parsed) throw new Error("no condition");
  return parsed;
};

describe("conditions", () => {
  it.each([
    [{ type: "time_of_day", from: "22:00", to: "02:00" }, "2026-03-11T04:30:00Z", null],
    [{ type: "time_of_day", from: "22:00", to: "02:00" }, "2026-03-11T07:30:00Z", "03:30 is outside 22:00-02:00"],
    [{ type: "day_of_week", days: ["sat", "sun"] }, "2026-03-14T15:00:00Z", null],
    [{ type: "day_of_week", days: ["sat", "sun"] }, "2026-03-14T03:00:00Z", "fri is not one of sat, sun"],
    [{ type: "date_window", from: "2026-12-20", to: "2026-12-26" }, "2026-12-27T04:59:59Z", null],
    [{ type: "date_window", from: "2026-12-20", to: "2026-12-26" }, "2026-12-27T05:00:00Z", "occurred after 2026-12-26"],
    [{ type: "member_attribute", key: "visits", op: "gte", value: 3 }, "2026-03-10T15:00:00Z", null],
    [{ type: "tier", in: ["gold"] }, "2026-03-10T15:00:00Z", "member's tier (none) is not one of gold"],
  ] as const)("%o at %s", (condition, at, why) => {
    expect(failedCondition(parse(condition), event({ occurredAt: new Date(at) }), member, fresh(), program)).toBe(why);
  });

  it.each([
    [{ type: "min_amount", amount: 10_000 }, {}, null],
    [{ type: "min_amount", amount: 10_001 }, {}, "amount $100.00 is below $100.01"],
    [{ type: "channel", in: ["online"] }, { channel: "online" }, null],
    [{ type: "channel", in: ["online", "app"] }, {}, "channel (none) is not online or app"],
    [{ type: "store", in: ["sto_1"] }, { storeId: "sto_2" }, "store sto_2 is not sto_1"],
    [{ type: "partner", in: ["ptn_1"] }, { partnerId: "ptn_1" }, null],
    [{ type: "event_attribute", key: "coupon", op: "exists" }, { attributes: { coupon: "X" } }, null],
    [
      { type: "event_attribute", key: "coupon", op: "eq", value: "Y" },
      { attributes: { coupon: "X" } },
      'event attribute coupon is "X", not eq "Y"',
    ],
    [{ type: "date_window", from: "2026-03-11" }, {}, "occurred before 2026-03-11"],
    [{ type: "segment", in: ["vip"] }, {}, "member is in none of vip"],
  ] as const)("%o on %o", (condition, fields, why) => {
    expect(failedCondition(parse(condition), event(fields), member, fresh(), program)).toBe(why);
  });

  it.each([
    [{ n: 1 }, 0, null],
    [{ n: 2 }, 0, "this is purchase number 1, not 2"],
    [{ n: 3, every: true }, 5, null],
    [{ n: 3, every: true }, 4, "this is purchase number 5, not a multiple of 3"],
  ] as const)("purchase_number %o after %i purchases", (condition, purchases, why) => {
    const history = { ...fresh(), purchases };
    expect(failedCondition(parse({ type: "purchase_number", ...condition }), event(), member, history, program)).toBe(why);
  });

  it("checks only the member's conditions for an audience (no event)", () => {
    expect(failedCondition(parse({ type: "min_amount", amount: 1 }), null, member, null, program)).toBeNull();
  });

  it("a tier condition matches the tier by id or name", () => {
    const gold: MemberFacts = { ...member, tier: { id: "tie_gold", name: "Gold", earnMultiplier: 1, pointsExpiry: null } };
    const cond = { type: "tier" as const, in: ["Gold"] };
    expect(failedCondition(cond, null, gold, null, program)).toBeNull();
    expect(failedCondition({ type: "tier", in: ["tie_gold"] }, null, gold, null, program)).toBeNull();
    expect(failedCondition(cond, null, member, null, program)).toBe("member's tier (none) is not one of Gold");
  });
});

describe("attributeHolds", () => {
  const attributes = { plan: "gold", visits: 3, since: "2024-01-01", tags: ["a"], off: null };
  it.each([
    [{ key: "plan", op: "exists" }, true],
    [{ key: "off", op: "exists" }, false],
    [{ key: "missing", op: "exists" }, false],
    [{ key: "plan", op: "eq", value: "gold" }, true],
    [{ key: "tags", op: "eq", value: ["a"] }, true],
    [{ key: "plan", op: "neq", value: "gold" }, false],
    [{ key: "plan", op: "in", value: ["silver", "gold"] }, true],
    [{ key: "plan", op: "in", value: "gold" }, false],
    [{ key: "visits", op: "gte", value: 3 }, true],
    [{ key: "visits", op: "lte", value: 2 }, false],
    [{ key: "since", op: "lte", value: "2025-01-01" }, true],
    [{ key: "visits", op: "gte", value: "3" }, false],
    [{ key: "missing", op: "lte", value: 3 }, false],
  ] as const)("%o: %s", (test, holds) => {
    expect(attributeHolds(attributes, test)).toBe(holds);
  });
});
