import { plural } from "../shared/plural.ts";
import type { Budgets } from "./budgets.rules.ts";
import type {
  Contribution,
  EarnEvent,
  Evaluation,
  EventItem,
  LiveRule,
  MemberFacts,
  MemberHistory,
  ProgramFacts,
  Skip,
  SkipReason,
  StampProgress,
} from "./earning.types.ts";
import { baseRaw, describeBase, multiplierExtra, stampCard } from "./effects.rules.ts";
import { intersect, quantityOf } from "./items.rules.ts";
import { matchRule } from "./matching.rules.ts";
import { add, frac, mul, roundPoints, ZERO } from "./rounding.rules.ts";
import { byPriority, type Candidate, type Resolved, refOf, resolveStacking } from "./stacking.rules.ts";
import { tierBonus } from "./tier-bonus.rules.ts";

/**
 * The earning engine, with no I/O: given an event, the member's facts and history, and the
 * programme's live rules, it says which rules give how many points and why, in one line each.
 * A short list of steps: match the rules, give base points and stamps, stack them (limits,
 * budgets, exclusive competition), multiply, stack the multipliers, count stamps, add the tier's
 * bonus.
 */

type Matched = { rule: LiveRule; items: EventItem[] | null };

/**
 * Evaluates one event for one member. `history` is read and then updated with what this event
 * gives (purchases, stamps, awards), so a batch of events for one member evaluates in order.
 * Budgets cut a campaign's rules before exclusive rules compete and before multipliers count,
 * so a spent campaign neither outranks a standing rule nor lends a multiplier points it lacks.
 */
export function evaluate(
  event: EarnEvent,
  member: MemberFacts,
  history: MemberHistory,
  rules: LiveRule[],
  program: ProgramFacts,
  budgets: Budgets = new Map(),
): Evaluation {
  const skipped: Skip[] = [];
  const skip = (rule: LiveRule, reason: SkipReason, explanation: string) => skipped.push({ ...refOf(rule), reason, explanation });

  const matched: Matched[] = [];
  for (const rule of rules) {
    const match = matchRule(rule, event, member, history, program);
    if (match === null) continue;
    if (match.applies) matched.push({ rule, items: match.items });
    else skip(rule, match.reason, match.explanation);
  }
  matched.sort(byPriority);

  const applied = resolveStacking(baseCandidates(matched, event, history, program), history, event, program, budgets, skip);
  const multipliers = multiplierCandidates(matched, applied, event);
  const appliedMultipliers = resolveStacking(multipliers, history, event, program, budgets, skip);
  const stamps = countStamps(applied, history);

  const contributions = [...applied, ...appliedMultipliers]
    .filter((c) => c.given > 0 || c.stamps > 0)
    .sort(byPriority)
    .map((c): Contribution => {
      const d = c.rule.definition;
      return {
        ...refOf(c.rule),
        priority: d.priority,
        points: c.given,
        stamps: c.stamps,
        fundedBy: d.fundedBy,
        pendingDays: d.pendingDays ?? null,
        // A rule's own expiry wins over the member's tier's, which wins over the programme's.
        expiry: d.expiry ?? member.tier?.pointsExpiry ?? null,
        explanation: c.note ? `${c.explanation}; ${c.note}` : c.explanation,
      };
    });
  for (const c of contributions) {
    history.awards.push({ ruleId: c.ruleId, occurredAt: event.occurredAt, points: c.points, stamps: c.stamps });
  }
  contributions.push(...tierBonus(member, contributions));
  if (event.type === "purchase") history.purchases += 1;
  return { contributions, skipped, stamps };
}

/** Base points and stamps: what each matched rule that is not a multiplier gives, rounded its way. */
function baseCandidates(matched: Matched[], event: EarnEvent, history: MemberHistory, program: ProgramFacts): Candidate[] {
  const base: Candidate[] = [];
  for (const { rule, items } of matched) {
    const effect = rule.definition.effect;
    if (effect.type === "multiplier") continue;
    if (effect.type === "stamps") {
      const earned = effect.per === "item" ? quantityOf(event, items) : 1;
      const before = history.stamps.get(rule.id) ?? 0;
      const { progress, completedCards: completed } = stampCard(effect.cardSize, before, earned);
      const points = completed * effect.rewardPoints;
      const text =
        completed > 0
          ? `Stamp card ${rule.name}: +${plural(earned, "stamp")}, ${plural(completed, "card")} complete: ${plural(points, "point")}`
          : `Stamp card ${rule.name}: +${plural(earned, "stamp")}, ${progress}/${effect.cardSize}`;
      base.push({ rule, items, raw: frac(points), points, explanation: text, stamps: earned });
      continue;
    }
    const raw = baseRaw(effect, event, items, items);
    const points = roundPoints(raw, effect.type === "points_per_amount" ? effect.rounding : "floor");
    base.push({ rule, items, raw, points, explanation: describeBase(effect, event, items, points, program.currency), stamps: 0 });
  }
  return base;
}

/** Multipliers on what the base rules gave (after their limits and budgets), on the items both cover. */
function multiplierCandidates(matched: Matched[], applied: Resolved[], event: EarnEvent): Candidate[] {
  const multipliers: Candidate[] = [];
  for (const { rule, items } of matched) {
    const effect = rule.definition.effect;
    if (effect.type !== "multiplier") continue;
    const targets = applied.filter(
      (c) =>
        c.rule.definition.effect.type !== "stamps" && (effect.appliesTo === undefined || effect.appliesTo.includes(c.rule.id)),
    );
    let raw = ZERO;
    for (const target of targets) {
      const on = intersect(target.items, items);
      const full = baseRaw(target.rule.definition.effect, event, target.items, on);
      // a base rule cut by its limits gave less than its own points: multiply what it gave
      raw = add(raw, target.given < target.points ? mul(full, frac(target.given, target.points)) : full);
    }
    const extra = multiplierExtra(raw, effect.factor);
    const points = roundPoints(extra, effect.rounding);
    const basePoints = targets.reduce((sum, t) => sum + t.given, 0);
    const on = items === null ? "" : " on eligible items";
    multipliers.push({
      rule,
      items,
      raw: extra,
      points,
      stamps: 0,
      explanation: `x${effect.factor} on ${plural(basePoints, "base point")}${on} (${effect.rounding}): +${plural(points, "point")}`,
    });
  }
  return multipliers;
}

/** Stamps count only where the stamp rule survived its limits and competition; adds them to the history. */
function countStamps(applied: Resolved[], history: MemberHistory): StampProgress[] {
  const stamps: StampProgress[] = [];
  for (const c of applied) {
    const effect = c.rule.definition.effect;
    if (effect.type !== "stamps") continue;
    const before = history.stamps.get(c.rule.id) ?? 0;
    history.stamps.set(c.rule.id, before + c.stamps);
    stamps.push({
      ruleId: c.rule.id,
      cardSize: effect.cardSize,
      stamps: c.stamps,
      ...stampCard(effect.cardSize, before, c.stamps),
    });
  }
  return stamps;
}
