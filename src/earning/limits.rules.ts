import { plural } from "../shared/plural.ts";
import type { LiveRule, MemberHistory } from "./earning.types.ts";
import { periodEnd, periodStart } from "./periods.rules.ts";

/** A rule's limits: points per event, and points or awards per member over a calendar period. */

export interface LimitState {
  points: number;
  awards: number;
}

/** Points and awards a rule already gave the member in the period around `at`. */
export function ruleUsedInPeriod(rule: LiveRule, history: MemberHistory, at: Date, timezone: string): LimitState {
  const limit = rule.definition.limits.perMember;
  if (!limit) return { points: 0, awards: 0 };
  const from = periodStart(limit.period, at, timezone);
  const to = periodEnd(limit.period, at, timezone);
  let points = 0;
  let awards = 0;
  for (const a of history.awards) {
    if (a.ruleId === rule.id && a.occurredAt >= from && a.occurredAt < to) {
      points += a.points;
      awards += 1;
    }
  }
  return { points, awards };
}

/** Applies a rule's per-event and per-member limits; returns the points left and why they were cut. */
export function applyLimits(
  rule: LiveRule,
  points: number,
  history: MemberHistory,
  at: Date,
  timezone: string,
): { points: number; note: string | null; blocked: string | null } {
  const { perEvent, perMember } = rule.definition.limits;
  let result = points;
  let note: string | null = null;
  if (perEvent !== undefined && result > perEvent) {
    result = perEvent;
    note = `capped at ${plural(perEvent, "point")} per event`;
  }
  if (perMember) {
    const used = ruleUsedInPeriod(rule, history, at, timezone);
    const period = perMember.period === "lifetime" ? "ever" : `this ${perMember.period}`;
    if (perMember.maxAwards !== undefined && used.awards >= perMember.maxAwards) {
      return {
        points: 0,
        note: null,
        blocked: `already awarded ${plural(used.awards, "time")} ${period} (limit ${perMember.maxAwards})`,
      };
    }
    if (perMember.maxPoints !== undefined) {
      const left = Math.max(0, perMember.maxPoints - used.points);
      if (left === 0) {
        return {
          points: 0,
          note: null,
          blocked: `already gave ${plural(used.points, "point")} ${period} (limit ${perMember.maxPoints})`,
        };
      }
      if (result > left) {
        result = left;
        note = `limited to ${plural(left, "point")} left of ${perMember.maxPoints} ${period}`;
      }
    }
  }
  return { points: result, note, blocked: null };
}
