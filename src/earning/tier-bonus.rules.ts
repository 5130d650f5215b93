import type { ExpiryPolicy } from "../db/schema.ts";
import { plural } from "../shared/plural.ts";
import type { Contribution, MemberFacts } from "./earning.types.ts";
import { multiplierExtra } from "./effects.rules.ts";
import { frac, roundPoints } from "./rounding.rules.ts";

/**
 * The member's tier multiplies every point the event's rules gave (base, bonus, multiplier and
 * stamp-card rules alike; campaign budgets do not pay for it): floor(points x (m - 1)) extra, as
 * its own line, funded by the programme. One line per timing (pending days and expiry) among the
 * points it multiplies, with that timing: a promotion's points that expire in a month, or stay
 * pending for 30 days, bring a bonus that does the same (each line rounded down on its own).
 */
export function tierBonus(member: MemberFacts, contributions: Contribution[]): Contribution[] {
  const tier = member.tier;
  const factor = tier?.earnMultiplier ?? 1;
  if (!tier || factor <= 1) return [];
  const groups = new Map<string, { pendingDays: number | null; expiry: ExpiryPolicy | null; points: number }>();
  for (const c of contributions) {
    const key = JSON.stringify([c.pendingDays, c.expiry]);
    const group = groups.get(key) ?? { pendingDays: c.pendingDays, expiry: c.expiry, points: 0 };
    group.points += c.points;
    groups.set(key, group);
  }
  return [...groups.values()].flatMap((group) => {
    const points = roundPoints(multiplierExtra(frac(group.points), factor), "floor");
    if (points <= 0) return [];
    return [
      {
        ruleId: tier.id,
        ruleVersion: 0,
        ruleName: `${tier.name} tier`,
        campaignId: null,
        campaignVersion: null,
        priority: -5_000,
        points,
        stamps: 0,
        fundedBy: "program" as const,
        pendingDays: group.pendingDays,
        expiry: group.expiry,
        explanation: `${tier.name} tier x${factor} on ${plural(group.points, "point")} (floor): +${plural(points, "point")}`,
        tierId: tier.id,
      },
    ];
  });
}
