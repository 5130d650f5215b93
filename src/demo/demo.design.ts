import { DateTime } from "luxon";
import { CreateCampaignSchema, CreateRuleSchema } from "../campaigns/campaigns.schemas.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import { CreateRewardSchema } from "../rewards/rewards.schemas.ts";
import { PutTiersSchema } from "../tiers/tiers.schemas.ts";
import { type DemoServices, ok } from "./demo.context.ts";
import { DEMO_TIMEZONE } from "./demo.plan.ts";

/** The holiday campaign's season: 15 Nov to 31 Dec of the year whose season lies most inside the demo year. */
function holidaySeason(now: Date) {
  const today = DateTime.fromJSDate(now, { zone: DEMO_TIMEZONE });
  const year = today >= today.set({ month: 12, day: 10 }).startOf("day") ? today.year : today.year - 1;
  return { startsAt: `${year}-11-15`, endsAt: `${year}-12-31` };
}

/** Rules, the holiday campaign, tiers and rewards, all as of the launch. */
export async function designDemo(services: DemoServices, programId: string, c: (label: string) => MutationContext, now: Date) {
  const { campaigns, tiers, rewards } = services;
  const rule = async (input: Record<string, unknown>) =>
    ok(await campaigns.createRule(c("rule"), programId, CreateRuleSchema.parse(input)), `rule ${input.name}`);
  await rule({
    name: "1 point per dollar",
    trigger: "purchase",
    effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
  });
  await rule({
    name: "Pastry bonus",
    description: "2 extra points for every pastry",
    trigger: "purchase",
    items: { include: { categories: ["pastry"] } },
    effect: { type: "points_per_item", points: 2 },
  });
  await rule({ name: "Welcome bonus", trigger: "signup", effect: { type: "fixed_points", points: 20 } });
  const season = holidaySeason(now);
  const campaign = ok<{ id: string }>(
    await campaigns.createCampaign(
      c("campaign"),
      programId,
      CreateCampaignSchema.parse({
        name: "Holiday double points",
        description: "Double points on every purchase from 15 November to New Year's Eve, while the budget lasts",
        status: "active",
        ...season,
        budgetPoints: 4_000,
      }),
    ),
    "campaign",
  );
  await rule({
    name: "Holiday double points",
    campaignId: campaign.id,
    trigger: "purchase",
    effect: { type: "multiplier", factor: 2 },
  });
  ok(
    await tiers.replaceLadder(
      c("tiers"),
      programId,
      PutTiersSchema.parse({
        policy: { metric: "spend", window: { type: "rolling_months", months: 12 }, periodMonths: 12, graceDays: 30 },
        tiers: [
          { name: "Bronze", threshold: 0, benefits: ["Birthday treat"] },
          { name: "Silver", threshold: 10_000, retainThreshold: 8_000, earnMultiplier: 1.25, benefits: ["Free extra shot"] },
          { name: "Gold", threshold: 25_000, retainThreshold: 20_000, earnMultiplier: 1.5, benefits: ["Free size upgrade"] },
          {
            name: "Platinum",
            threshold: 50_000,
            retainThreshold: 40_000,
            earnMultiplier: 2,
            benefits: ["Monthly free bag of beans"],
          },
        ],
      }),
    ),
    "tiers",
  );
  const reward = async (input: Record<string, unknown>) =>
    ok<{ id: string }>(await rewards.create(c("reward"), programId, CreateRewardSchema.parse(input)), `reward ${input.name}`);
  await reward({
    name: "Free coffee",
    description: "Any drink, any size",
    type: "free_product",
    value: { sku: "LATTE", productName: "Any drink" },
    category: "coffee",
    costPoints: 60,
    voucherValidDays: 30,
  });
  await reward({
    name: "Free pastry",
    type: "free_product",
    value: { sku: "CROISSANT", productName: "Any pastry" },
    category: "pastry",
    costPoints: 45,
    voucherValidDays: 30,
  });
  await reward({
    name: "$5 off your order",
    type: "discount_amount",
    value: { amount: 500 },
    costPoints: 80,
    voucherValidDays: 60,
  });
  await reward({
    name: "Bean There mug",
    type: "free_product",
    value: { sku: "MUG", productName: "Ceramic mug" },
    category: "retail",
    costPoints: 250,
    stock: 40,
    memberLimit: { count: 1, period: "lifetime" },
  });
  await reward({
    name: "Donate a meal",
    description: "We give $2 to City Harvest",
    type: "donation",
    value: { charity: "City Harvest", amount: 200 },
    costPoints: 100,
  });
}
