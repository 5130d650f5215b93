import { describe, expect, it } from "vitest";
import { budgeted, event, fresh, member, perDollar, program, rule } from "../../test/helpers/earning-fixtures.ts";
import type { EarnEvent, LiveCampaign, LiveRule } from "./earning.types.ts";
import { matchRule } from "./matching.rules.ts";

const campaign = (fields: Partial<LiveCampaign>) => ({ ...budgeted("cmp_m", 0), name: "Spring", ...fields });
const shoes = { sku: "s", category: "shoes", quantity: 1, unitPrice: 1_000 };

describe("matchRule", () => {
  it.each([
    ["an active rule for the event's type", rule({ effect: perDollar }), {}, { applies: true, items: null }],
    ["an inactive rule: not a line", { ...rule({ effect: perDollar }), status: "inactive" }, {}, null],
    ["another trigger: not a line", rule({ trigger: "review", effect: perDollar }), {}, null],
    ["a campaign not running: not a line", rule({ effect: perDollar }, campaign({ status: "ended" })), {}, null],
    [
      "outside the audience",
      rule({ effect: perDollar }, campaign({ audience: [{ type: "segment", in: ["vip"] }] })),
      {},
      { applies: false, reason: "audience", explanation: "Not in the campaign's audience: member is in none of vip" },
    ],
    [
      "a condition not met",
      rule({ effect: perDollar, conditions: [{ type: "channel", in: ["app"] }] }),
      {},
      { applies: false, reason: "condition", explanation: "Condition not met: channel (none) is not app" },
    ],
    [
      "partner-funded without a partner",
      rule({ effect: perDollar, fundedBy: "partner" }),
      {},
      {
        applies: false,
        reason: "condition",
        explanation: "Condition not met: a partner-funded rule needs the event's partnerId",
      },
    ],
    [
      "no eligible items",
      rule({ effect: perDollar, items: { include: { categories: ["hats"] } } }),
      { items: [shoes] },
      { applies: false, reason: "no_eligible_items", explanation: "No eligible items in this event" },
    ],
    [
      "points per item without items",
      rule({ effect: { type: "points_per_item", points: 1 } }),
      {},
      { applies: false, reason: "no_eligible_items", explanation: "Points per item need the event's items" },
    ],
    [
      "held out",
      rule({ effect: perDollar }, campaign({ holdoutPercent: 100 })),
      {},
      { applies: false, reason: "holdout", explanation: "Member is in the 100% holdout of campaign Spring" },
    ],
    [
      "on its eligible items",
      rule({ effect: perDollar, items: { include: { categories: ["shoes"] } } }),
      { items: [shoes] },
      { applies: true, items: [shoes] },
    ],
  ] as [string, LiveRule, Partial<EarnEvent>, unknown][])("%s", (_name, r, fields, expected) => {
    expect(matchRule(r, event(fields), member, fresh(), program)).toEqual(expected);
  });
});
