import { describe, expect, it } from "vitest";
import type { LiveRule } from "../earning/earning.types.ts";
import { inForceFromProblem, ruleTimeline, type VersionHistory, versionsAsOf } from "./rule-timeline.rules.ts";

const d = (iso: string) => new Date(iso);
const effect = (points: number) => ({ type: "fixed_points", points });
const ruleVersion = (
  id: string,
  version: number,
  at: string,
  points: number,
  over: { status?: "active" | "inactive"; campaign?: string; inForceFrom?: string } = {},
) => ({
  id,
  campaign_id: over.campaign ?? null,
  version,
  name: `${id} v${version}`,
  status: over.status ?? ("active" as const),
  definition: { trigger: "purchase", effect: effect(points) },
  in_force_from: over.inForceFrom === undefined ? null : d(over.inForceFrom),
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

describe("a rule put in force before it was saved (inForceFrom)", () => {
  // Made in June to judge history: in force from January 1997; its second version (July) from its save.
  const backdated: VersionHistory = {
    rules: [
      ruleVersion("rul_h", 1, "2026-06-01T00:00:00Z", 10, { inForceFrom: "1997-01-01T00:00:00Z" }),
      ruleVersion("rul_h", 2, "2026-07-01T00:00:00Z", 20),
      ruleVersion("rul_n", 1, "2026-06-01T00:00:00Z", 1),
    ],
    campaigns: [],
  };
  const LIVE_NOW: LiveRule[] = [];

  it.each([
    ["before it was put in force: none", "1996-12-31T23:59:59Z", []],
    ["from when it was put in force", "1997-01-01T00:00:00Z", ["rul_h v1"]],
    ["all the years before it was saved", "2026-05-31T00:00:00Z", ["rul_h v1"]],
    ["a rule without inForceFrom joins when saved", "2026-06-01T00:00:00Z", ["rul_h v1", "rul_n v1"]],
  ])("%s", (_name, at, expected) => {
    expect(describeRules(ruleTimeline(LIVE_NOW, backdated)(d(at)))).toEqual(expected);
    expect(describeRules(ruleTimeline(LIVE_NOW, backdated)(d(at)))).toEqual(
      versionsAsOf(backdated, d(at)).rules.map((r) => r.name),
    );
  });

  it("its later version is in force from when it was saved, then the live rules", () => {
    const at = ruleTimeline(LIVE_NOW, backdated);
    expect(at(d("2026-07-01T00:00:00Z"))).toBe(LIVE_NOW);
    expect(versionsAsOf(backdated, d("2026-06-30T00:00:00Z")).rules.map((r) => `${r.id}@${r.version}`)).toEqual([
      "rul_h@1",
      "rul_n@1",
    ]);
  });

  it.each([
    ["in the past", "1997-01-01T00:00:00Z", false, null],
    ["now", "2026-06-01T00:00:00Z", false, null],
    ["in the future", "2026-06-01T00:00:01Z", false, "cannot be in the future"],
    ["on a campaign's rule", "1997-01-01T00:00:00Z", true, "for a standing rule"],
  ])("inForceFrom %s", (_name, from, inCampaign, problem) => {
    const answer = inForceFromProblem(d(from), d("2026-06-01T00:00:00Z"), inCampaign);
    if (problem === null) expect(answer).toBeNull();
    else expect(answer).toContain(problem);
  });
});
