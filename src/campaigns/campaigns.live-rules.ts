import type { CampaignRow, RuleRow } from "../db/schema.ts";
import type { RuleDefinition } from "../earning/earning.schemas.ts";
import type { LiveCampaign, LiveRule } from "../earning/earning.types.ts";
import type * as q from "./campaigns.sql.ts";
import type { Recurrence } from "./recurrence.rules.ts";

export const toLiveCampaign = (c: CampaignRow): LiveCampaign => ({
  id: c.id,
  version: c.version,
  name: c.name,
  status: c.status,
  startsAt: c.starts_at,
  endsAt: c.ends_at,
  audience: c.audience as LiveCampaign["audience"],
  holdoutPercent: c.holdout_percent,
  budgetPoints: c.budget_points,
  recurrence: (c.recurrence ?? null) as Recurrence | null,
  budgetPer: c.budget_per,
});

export const toLiveRule = (rule: RuleRow, campaign: CampaignRow | null): LiveRule => ({
  id: rule.id,
  version: rule.version,
  name: rule.name,
  status: rule.status,
  campaign: campaign ? toLiveCampaign(campaign) : null,
  definition: rule.definition as RuleDefinition,
});

/**
 * The rules in force from their recorded versions and their campaigns' (rulesAt): active rules
 * whose campaign, if any, was active then.
 */
export function liveRulesFromVersions({ rules, campaigns }: Awaited<ReturnType<typeof q.rulesAsOf>>): LiveRule[] {
  const byId = new Map(
    campaigns.map((c): [string, LiveCampaign] => {
      const d = c.definition;
      const date = (v: unknown) => (typeof v === "string" ? new Date(v) : null);
      return [
        c.campaign_id,
        {
          id: c.campaign_id,
          version: c.version,
          name: String(d.name),
          status: d.status as LiveCampaign["status"],
          startsAt: date(d.starts_at),
          endsAt: date(d.ends_at),
          audience: (d.audience ?? []) as LiveCampaign["audience"],
          holdoutPercent: Number(d.holdout_percent ?? 0),
          budgetPoints: d.budget_points === null || d.budget_points === undefined ? null : Number(d.budget_points),
          // Versions saved before campaigns could recur have neither field.
          recurrence: (d.recurrence ?? null) as Recurrence | null,
          budgetPer: d.budget_per === "occurrence" ? "occurrence" : "campaign",
        },
      ];
    }),
  );
  return rules.flatMap((r): LiveRule[] => {
    const campaign = r.campaign_id ? byId.get(r.campaign_id) : null;
    if (r.status !== "active" || campaign === undefined || (campaign && campaign.status !== "active")) return [];
    return [
      { id: r.id, version: r.version, name: r.name, status: r.status, campaign, definition: r.definition as RuleDefinition },
    ];
  });
}
