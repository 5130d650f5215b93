import { campaignRunsAt, isHeldOut } from "./campaign-reach.rules.ts";
import { failedCondition } from "./conditions.rules.ts";
import type { EarnEvent, EventItem, LiveRule, MemberFacts, MemberHistory, ProgramFacts, SkipReason } from "./earning.types.ts";
import { eligibleItems } from "./items.rules.ts";

/** Which of the programme's rules apply to an event, and for each that fits but does not, why not. */

export type RuleMatch =
  | { applies: true; items: EventItem[] | null }
  | { applies: false; reason: SkipReason; explanation: string };

/**
 * Whether a rule applies to an event: null when it does not fit at all (inactive, another
 * trigger, its campaign not running then: not worth a line in the answer); else whether it
 * applies, on which items (null: the whole event), or the first reason it does not: the
 * campaign's audience, the rule's conditions, a partner to fund it, eligible items, the holdout.
 */
export function matchRule(
  rule: LiveRule,
  event: EarnEvent,
  member: MemberFacts,
  history: MemberHistory,
  program: ProgramFacts,
): RuleMatch | null {
  if (rule.status !== "active" || rule.definition.trigger !== event.type) return null;
  if (rule.campaign && !campaignRunsAt(rule.campaign, event.occurredAt, program.timezone)) return null;
  const audienceMiss = rule.campaign?.audience
    .map((c) => failedCondition(c, null, member, null, program))
    .find((why) => why !== null);
  if (audienceMiss) return { applies: false, reason: "audience", explanation: `Not in the campaign's audience: ${audienceMiss}` };
  const miss = rule.definition.conditions.map((c) => failedCondition(c, event, member, history, program)).find((w) => w);
  if (miss) return { applies: false, reason: "condition", explanation: `Condition not met: ${miss}` };
  if (rule.definition.fundedBy === "partner" && event.partnerId === null) {
    return {
      applies: false,
      reason: "condition",
      explanation: "Condition not met: a partner-funded rule needs the event's partnerId",
    };
  }
  const items = eligibleItems(event, rule.definition.items);
  if (items !== null && items.length === 0) {
    return { applies: false, reason: "no_eligible_items", explanation: "No eligible items in this event" };
  }
  if (rule.definition.effect.type === "points_per_item" && (items ?? event.items ?? []).length === 0) {
    return { applies: false, reason: "no_eligible_items", explanation: "Points per item need the event's items" };
  }
  if (rule.campaign && isHeldOut(rule.campaign, member.id)) {
    return {
      applies: false,
      reason: "holdout",
      explanation: `Member is in the ${rule.campaign.holdoutPercent}% holdout of campaign ${rule.campaign.name}`,
    };
  }
  return { applies: true, items };
}
