/*
 * TEMPORARY, removed at merge: src/events (rewritten in parallel) still imports the tier maths
 * from here. Everything else imports each function and type from the file that defines it.
 */
export { assign, unlock } from "./assignment.rules.ts";
export { type BatchMember, type FactsTier, TierProgress } from "./batch.rules.ts";
export {
  bottomOf,
  effectiveTier,
  type LadderTier,
  NO_TIER,
  qualifiedTier,
  retainOf,
  type TierState,
} from "./ladder.rules.ts";
export { eventMetric, returnMetric } from "./metrics.rules.ts";
export { progressToNext, type TierProgressView } from "./next-tier.rules.ts";
export { enrol, qualify } from "./qualification.rules.ts";
export { type DecisionMetrics, decisionAt, nextDecision, reviewStep, settleReviews } from "./reviews.rules.ts";
export { changeTime, TIER_CHANGED, type TierTransition } from "./transitions.rules.ts";
export {
  type DecisionWindows,
  decisionWindows,
  graceEnd,
  keepWindowFrom,
  type MetricWindow,
  reviewDateAfter,
  windowAt,
} from "./windows.rules.ts";
