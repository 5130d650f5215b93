import { plural } from "../shared/plural.ts";
import { type Budgets, giveBackBudget, takeBudget } from "./budgets.rules.ts";
import { budgetKeyAt } from "./campaign-reach.rules.ts";
import type { EarnEvent, EventItem, LiveRule, MemberHistory, ProgramFacts, SkipReason } from "./earning.types.ts";
import { applyLimits } from "./limits.rules.ts";
import type { Fraction } from "./rounding.rules.ts";

/**
 * How the rules that apply to an event stack: each is cut by its limits and its campaign's
 * budget, then exclusive rules compete and only the best one stays.
 */

/** What a rule would give an event, before its limits, its budget and the competition. */
export interface Candidate {
  rule: LiveRule;
  items: EventItem[] | null;
  /** Points before rounding and limits. */
  raw: Fraction;
  points: number;
  explanation: string;
  stamps: number;
}

/** A candidate that stayed: `given` is what it gives after limits and budget, `note` why that is less. */
export type Resolved = Candidate & { given: number; note: string | null };

export type SkipRule = (rule: LiveRule, reason: SkipReason, explanation: string) => void;

/** The reference to a rule (and its campaign) that every contribution and skip carries. */
export const refOf = (rule: LiveRule) => ({
  ruleId: rule.id,
  ruleVersion: rule.version,
  ruleName: rule.name,
  campaignId: rule.campaign?.id ?? null,
  campaignVersion: rule.campaign?.version ?? null,
});

/** Highest priority first; ties by rule id, so the order is total and the same on every run. */
export const byPriority = (a: { rule: LiveRule }, b: { rule: LiveRule }) =>
  b.rule.definition.priority - a.rule.definition.priority || (a.rule.id < b.rule.id ? -1 : a.rule.id > b.rule.id ? 1 : 0);

/**
 * Applies limits and campaign budgets, then lets exclusive candidates compete: only the best
 * exclusive one stays, and what the losers had taken from a budget goes back to it.
 */
export function resolveStacking(
  candidates: Candidate[],
  history: MemberHistory,
  event: EarnEvent,
  program: ProgramFacts,
  budgets: Budgets,
  skip: SkipRule,
): Resolved[] {
  const limited: Resolved[] = [];
  // A campaign's budget, or its occurrence's when it has one per occurrence.
  const budgetOf = (c: Candidate) => c.rule.campaign && budgetKeyAt(c.rule.campaign, event.occurredAt, program.timezone);
  for (const c of [...candidates].sort(byPriority)) {
    const limits = applyLimits(c.rule, c.points, history, event.occurredAt, program.timezone);
    if (limits.blocked) {
      skip(c.rule, "limit_reached", `Limit reached: ${limits.blocked}`);
      continue;
    }
    let { points, note } = limits;
    const granted = takeBudget(budgets, budgetOf(c) ?? undefined, points);
    if (granted !== null) {
      if (granted < points) {
        points = granted;
        note = points > 0 ? `cut to ${plural(points, "point")} by the campaign's budget` : note;
      }
      if (points === 0 && c.points > 0 && c.stamps === 0) {
        skip(c.rule, "budget_exhausted", "The campaign's budget is spent");
        continue;
      }
    }
    if (points === 0 && c.stamps === 0) {
      skip(c.rule, "zero_points", `${c.explanation}`);
      continue;
    }
    limited.push({ ...c, given: points, note });
  }
  const exclusive = limited.filter((c) => c.rule.definition.stacking === "exclusive");
  const best = exclusive.reduce<Resolved | null>((top, c) => (top === null || c.given > top.given ? c : top), null);
  for (const c of exclusive) {
    if (c === best || !best) continue;
    skip(c.rule, "outranked", `Exclusive: ${best.rule.name} gives more (${plural(best.given, "point")} vs ${c.given})`);
    giveBackBudget(budgets, budgetOf(c) ?? undefined, c.given);
  }
  return limited.filter((c) => c.rule.definition.stacking !== "exclusive" || c === best);
}
