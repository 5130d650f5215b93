/*
 * TEMPORARY, removed at merge: src/events (rewritten in parallel) still imports the earning maths
 * from here. Everything else imports each function and type from the file that defines it.
 */
export { type Budgets, budgetWants } from "./budgets.rules.ts";
export { campaignRunsAt, holdoutBucket, isHeldOut } from "./campaign-reach.rules.ts";
export { failedCondition } from "./conditions.rules.ts";
export type {
  Contribution,
  EarnEvent,
  Evaluation,
  EventItem,
  LiveCampaign,
  LiveRule,
  MemberFacts,
  MemberHistory,
  PastAward,
  ProgramFacts,
  Skip,
  SkipReason,
  StampProgress,
} from "./earning.types.ts";
export { evaluate } from "./evaluate.rules.ts";
export { eligibleItems, paidFor } from "./items.rules.ts";
export { formatMoney, toMajorUnits } from "./money.rules.ts";
export { type Period, periodEnd, periodStart, resolveBound } from "./periods.rules.ts";
export { type Rounding, roundPoints } from "./rounding.rules.ts";
