import type { CampaignRow, RuleRow } from "../db/schema.ts";
import { campaignRunsAt } from "../earning/campaign-reach.rules.ts";
import type { RuleDefinition } from "../earning/earning.schemas.ts";
import type { LiveCampaign } from "../earning/earning.types.ts";
import { toLiveCampaign } from "./campaigns.live-rules.ts";

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
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A campaign as answered at `now`, with its budget left and its rules' ids. */
export function campaignView(
  row: CampaignRow,
  remaining: Map<string, number>,
  rules: { id: string; campaign_id: string | null }[],
  now: Date,
) {
  const left = remaining.get(row.id) ?? 0;
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    status: row.status,
    running: campaignRunsAt(toLiveCampaign(row), now),
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    audience: row.audience as LiveCampaign["audience"],
    holdoutPercent: row.holdout_percent,
    budget: row.budget_points === null ? null : { points: row.budget_points, spent: row.budget_points - left, remaining: left },
    version: row.version,
    ruleIds: rules.filter((r) => r.campaign_id === row.id).map((r) => r.id),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
