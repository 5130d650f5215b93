import { RuleDefinitionSchema } from "../../src/earning/earning.schemas.ts";
import type { EarnEvent, LiveCampaign, LiveRule, MemberFacts, MemberHistory } from "../../src/earning/earning.types.ts";

/** The inputs the earning rules' table tests share: a programme, a member, events, rules and campaigns. */

export const program = { timezone: "America/New_York", currency: "USD" };
export const member: MemberFacts = { id: "mem_1", attributes: { vip: true, visits: 3 }, tier: null, segments: [] };

export const event = (fields: Partial<EarnEvent> = {}): EarnEvent => ({
  id: "e1",
  type: "purchase",
  occurredAt: new Date("2026-03-10T15:00:00Z"),
  amount: 10_000,
  currency: "USD",
  items: null,
  channel: null,
  storeId: null,
  partnerId: null,
  attributes: {},
  ...fields,
});

let ruleCounter = 0;
/** A live rule from a definition as the API takes it (parsed, so defaults apply), with a fresh id. */
export const rule = (definition: Record<string, unknown>, campaign: LiveRule["campaign"] = null): LiveRule => {
  ruleCounter += 1;
  return {
    id: `rul_${String(ruleCounter).padStart(3, "0")}`,
    version: 1,
    name: `rule ${ruleCounter}`,
    status: "active",
    campaign,
    definition: RuleDefinitionSchema.parse({ name: `rule ${ruleCounter}`, trigger: "purchase", ...definition }),
  };
};

/** A running campaign with a budget and no audience, schedule or holdout. */
export const budgeted = (id: string, budgetPoints: number): LiveCampaign => ({
  id,
  version: 1,
  name: "c",
  status: "active",
  startsAt: null,
  endsAt: null,
  audience: [],
  holdoutPercent: 0,
  budgetPoints,
});

export const fresh = (): MemberHistory => ({ purchases: 0, stamps: new Map(), awards: [] });

export const perDollar = { type: "points_per_amount", points: 1, per: 100, rounding: "floor" };
