import { describe, expect, it } from "vitest";
import type { LiveRule } from "../earning/earning.types.ts";
import { ruleTimeline, type VersionHistory, versionsAsOf } from "./rule-timeline.rules.ts";

const d = (iso: string) => new Date(iso);
const effect = (points: number) => ({ type: "fixed_points", points });
const ruleVersion = (
  id: string,
  version: number,
  at: string,
  points: number,
  over: { status?: "active" | "inactive"; campaign?: string } = {},
) => ({
  id,
  campaign_id: over.campaign ?? null,
  version,
  name: `${id} v${version}`,
  status: over.status ?? ("active" as const),
  definition: { trigger: "purchase", effect: effect(points) },
  created_at: d(at),
});
const campaignVersion = (id: string, version: number, at: string, status: string) => ({
  campaign_id: id,
  version,
  definition: { name: id, status, starts_at: null, ends_at: null, audience: [], holdout_percent: 0, budget_points: null },
  created_at: d(at),
});

const history: VersionHistory = {
  rules: [
    ruleVersion("rul_a", 1, "2026-01-01T00:00:00Z", 10),
    ruleVersion("rul_a", 2, "2026-03-01T00:00:00Z", 20),
    ruleVersion("rul_b", 1, "2026-02-01T00:00:00Z", 5, { campaign: "cmp_x" }),
    ruleVersion("rul_c", 1, "2026-01-15T00:00:00Z", 1),
    ruleVersion("rul_c", 2, "2026-04-01T00:00:00Z", 1, { status: "inactive" }),
  ],
  campaigns: [
    campaignVersion("cmp_x", 1, "2026-02-01T00:00:00Z", "active"),
    campaignVersion("cmp_x", 2, "2026-02-15T00:00:00Z", "ended"),
  ],
};

const LIVE: LiveRule[] = [];
const describeRules = (rules: LiveRule[]) =>
  rules.map((r) => `${r.name}${r.campaign ? ` (${r.campaign.id} v${r.campaign.version})` : ""}`);

describe("the rules in force at a time", () => {
  it.each([
    ["before any save: none", "2025-12-31T00:00:00Z", []],
    ["the first version of a rule", "2026-01-01T00:00:00Z", ["rul_a v1"]],
    ["a rule added later joins", "2026-01-20T00:00:00Z", ["rul_a v1", "rul_c v1"]],
    ["a campaign's rule while it was active", "2026-02-10T00:00:00Z", ["rul_a v1", "rul_b v1 (cmp_x v1)", "rul_c v1"]],
    ["not once its campaign ended", "2026-02-20T00:00:00Z", ["rul_a v1", "rul_c v1"]],
    ["a rule's later version replaces it", "2026-03-15T00:00:00Z", ["rul_a v2", "rul_c v1"]],
  ])("%s", (_name, at, expected) => {
    expect(describeRules(ruleTimeline(LIVE, history)(d(at)))).toEqual(expected);
  });

  it("from the last save on, the live rules as read", () => {
    const live = ruleTimeline(LIVE, history);
    expect(live(d("2026-04-01T00:00:00Z"))).toBe(LIVE);
    expect(live(d("2027-01-01T00:00:00Z"))).toBe(LIVE);
    expect(ruleTimeline(LIVE, { rules: [], campaigns: [] })(d("2020-01-01T00:00:00Z"))).toBe(LIVE);
  });

  it("one answer per stretch between saves", () => {
    const at = ruleTimeline(LIVE, history);
    expect(at(d("2026-03-02T00:00:00Z"))).toBe(at(d("2026-03-20T00:00:00Z")));
  });

  it("picks each rule's and campaign's latest version saved by then", () => {
    const v = versionsAsOf(history, d("2026-02-20T00:00:00Z"));
    expect(v.rules.map((r) => `${r.id}@${r.version}`)).toEqual(["rul_a@1", "rul_b@1", "rul_c@1"]);
    expect(v.campaigns.map((c) => `${c.campaign_id}@${c.version}`)).toEqual(["cmp_x@2"]);
  });
});
