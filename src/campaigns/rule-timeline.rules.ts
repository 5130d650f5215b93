import type { LiveRule } from "../earning/earning.types.ts";
import { liveRulesFromVersions } from "./campaigns.live-rules.ts";
import type * as q from "./campaigns.sql.ts";

/** Every saved version of a programme's rules and campaigns (versionHistory). */
export type VersionHistory = Awaited<ReturnType<typeof q.versionHistory>>;

/** The rules in force at a time: an event is judged by those in force when it occurred. */
export type RulesAt = (at: Date) => LiveRule[];

/** A saved version as the timeline reads it: when it was saved, and for a rule's first version when it was put in force. */
type Saved = { created_at: Date; in_force_from?: Date | null };

/**
 * When a version came into force: when it was saved, or, for a rule created to judge history
 * recorded before it (POST /v1/rules inForceFrom), the earlier time it was put in force from.
 * The SQL twin is coalesce(in_force_from, created_at) in rulesAsOf().
 */
export const inForceSince = (v: Saved): Date => v.in_force_from ?? v.created_at;

/** Each rule's and each campaign's latest version in force by `at`, in rule id order (what rulesAsOf() reads). */
export function versionsAsOf(history: VersionHistory, at: Date) {
  const latest = <T extends Saved & { version: number }>(rows: T[], key: (row: T) => string): T[] => {
    const byKey = new Map<string, T>();
    for (const row of rows) {
      const seen = byKey.get(key(row));
      if (inForceSince(row) <= at && (!seen || row.version > seen.version)) byKey.set(key(row), row);
    }
    return [...byKey.values()];
  };
  return { rules: latest(history.rules, (r) => r.id), campaigns: latest(history.campaigns, (c) => c.campaign_id) };
}

/**
 * The rules in force at any time: from the last version to come into force on, the live set (`live`,
 * read from the rules and campaigns as they are); before it, the versions in force by then. One answer per
 * stretch between two saves, so a batch of events that occurred at many times costs no more
 * than the number of saves.
 */
export function ruleTimeline(live: LiveRule[], history: VersionHistory): RulesAt {
  // When each version came into force (a rule's first version may be earlier than it was saved).
  const saves = [...new Set([...history.rules, ...history.campaigns].map((v) => inForceSince(v).getTime()))].sort(
    (a, b) => a - b,
  );
  const last = saves.at(-1);
  const byStretch = new Map<number, LiveRule[]>();
  return (at) => {
    const t = at.getTime();
    if (last === undefined || t >= last) return live;
    // The stretch `at` falls in: the number of saves made by then.
    let lo = 0;
    let hi = saves.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((saves[mid] ?? Number.POSITIVE_INFINITY) <= t) lo = mid + 1;
      else hi = mid;
    }
    let rules = byStretch.get(lo);
    if (!rules) {
      rules = liveRulesFromVersions(versionsAsOf(history, at));
      byStretch.set(lo, rules);
    }
    return rules;
  };
}

/**
 * What is wrong with putting a new rule in force from `from` (POST /v1/rules inForceFrom), if
 * anything: it judges history recorded before the rule was made, so it is not in the future; and a
 * campaign's rules are in force while their campaign is (its own versions), so only a standing rule.
 */
export function inForceFromProblem(from: Date, now: Date, inCampaign: boolean): string | null {
  if (from.getTime() > now.getTime()) {
    return "inForceFrom cannot be in the future: it puts a new rule in force from an earlier time, to judge purchases recorded before the rule was made";
  }
  if (inCampaign) {
    return "inForceFrom is for a standing rule: a campaign's rules are in force while their campaign is, so leave out campaignId or inForceFrom";
  }
  return null;
}
