import type { LiveRule } from "../earning/earning.types.ts";
import { liveRulesFromVersions } from "./campaigns.live-rules.ts";
import type * as q from "./campaigns.sql.ts";

/** Every saved version of a programme's rules and campaigns (versionHistory). */
export type VersionHistory = Awaited<ReturnType<typeof q.versionHistory>>;

/** The rules in force at a time: an event is judged by those in force when it occurred. */
export type RulesAt = (at: Date) => LiveRule[];

/** Each rule's and each campaign's latest version saved by `at`, in rule id order (what rulesAsOf() reads). */
export function versionsAsOf(history: VersionHistory, at: Date) {
  const latest = <T extends { created_at: Date; version: number }>(rows: T[], key: (row: T) => string): T[] => {
    const byKey = new Map<string, T>();
    for (const row of rows) {
      const seen = byKey.get(key(row));
      if (row.created_at <= at && (!seen || row.version > seen.version)) byKey.set(key(row), row);
    }
    return [...byKey.values()];
  };
  return { rules: latest(history.rules, (r) => r.id), campaigns: latest(history.campaigns, (c) => c.campaign_id) };
}

/**
 * The rules in force at any time: from the last saved version on, the live set (`live`, read from
 * the rules and campaigns as they are); before it, the versions saved by then. One answer per
 * stretch between two saves, so a batch of events that occurred at many times costs no more
 * than the number of saves.
 */
export function ruleTimeline(live: LiveRule[], history: VersionHistory): RulesAt {
  const saves = [...new Set([...history.rules, ...history.campaigns].map((v) => v.created_at.getTime()))].sort((a, b) => a - b);
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
