import type { CampaignRow, RuleRow } from "../db/schema.ts";
import { budgetKeyAt } from "../earning/campaign-reach.rules.ts";
import type { RuleDefinition } from "../earning/earning.schemas.ts";
import type { LiveCampaign } from "../earning/earning.types.ts";
import { campaignState, upcomingOccurrences } from "./campaign-state.rules.ts";
import { toLiveCampaign } from "./campaigns.live-rules.ts";

/** The budget a campaign's view shows at `now`: the campaign's, or the occurrence's running then. */
export const viewedBudgetKey = (row: CampaignRow, now: Date, timezone: string) => budgetKeyAt(toLiveCampaign(row), now, timezone);

/** A rule as answered. */
export function ruleView(row: RuleRow) {
  const d = row.definition as RuleDefinition;
  return {
    id: row.id,
    campaignId: row.campaign_id,
    name: row.name,
    description: d.description ?? null,
    status: row.status,
    version: row.version,
    trigger: d.trigger,
    conditions: d.conditions,
    items: d.items ?? null,
    effect: d.effect,
    limits: d.limits,
    priority: d.priority,
    stacking: d.stacking,
    pendingDays: d.pendingDays ?? null,
    expiry: d.expiry ?? null,
    fundedBy: d.fundedBy,
    inForceFrom: row.in_force_from,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * A campaign as answered at `now` (its state and next occurrences in the programme's time zone),
 * with its budget left (by budget key: viewedBudgetKey) and its rules' ids.
 */
export function campaignView(
  row: CampaignRow,
  remaining: Map<string, number>,
  rules: { id: string; campaign_id: string | null }[],
  now: Date,
  timezone: string,
) {
  const live = toLiveCampaign(row);
  const key = viewedBudgetKey(row, now, timezone);
  // Between occurrences, a budget per occurrence is whole again for the next one.
  const left = remaining.get(key) ?? (row.budget_per === "occurrence" && key === row.id ? (row.budget_points ?? 0) : 0);
  const state = campaignState(live, now, timezone);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    status: row.status,
    state,
    running: state === "running",
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    recurrence: live.recurrence ?? null,
    nextOccurrences: (state === "ended" ? [] : upcomingOccurrences(live, now, timezone, 5)).map((o) => ({
      startsAt: o.start,
      endsAt: o.end,
    })),
    budgetPer: row.budget_per,
    audience: row.audience as LiveCampaign["audience"],
    holdoutPercent: row.holdout_percent,
    budget: row.budget_points === null ? null : { points: row.budget_points, spent: row.budget_points - left, remaining: left },
    version: row.version,
    ruleIds: rules.filter((r) => r.campaign_id === row.id).map((r) => r.id),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
