import { formatMoney } from "../earning/money.rules.ts";
import { DomainError } from "../shared/errors.ts";
import type { PutTiersInput } from "./tiers.schemas.ts";

type Metric = PutTiersInput["policy"]["metric"];

/** A threshold in the metric's own terms: money as money ("$150.00"), points and purchases counted. */
export function thresholdWords(amount: number, metric: Metric, currency: string): string {
  if (metric === "spend") return formatMoney(amount, currency);
  const n = amount.toLocaleString("en-US");
  return metric === "purchases" ? `${n} purchase${amount === 1 ? "" : "s"}` : `${n} point${amount === 1 ? "" : "s"}`;
}

interface LadderIssue {
  path: string;
  message: string;
  code: "custom";
}

/**
 * The ladder's thresholds, checked in the programme's terms: the bottom tier starts at 0, each
 * tier needs more than the one below, and keeping a tier never needs more than reaching it. The
 * schema cannot say these in money (it does not know the currency), so they are checked here.
 */
export function ladderThresholdIssues(input: PutTiersInput, currency: string): LadderIssue[] {
  const words = (amount: number) => thresholdWords(amount, input.policy.metric, currency);
  const issues: LadderIssue[] = [];
  input.tiers.forEach((tier, i) => {
    if (i === 0 && tier.threshold !== 0) {
      issues.push({
        path: `tiers.0.threshold`,
        message: `${tier.name} is the bottom tier: its threshold must be ${words(0)}, not ${words(tier.threshold)}`,
        code: "custom",
      });
    }
    const below = input.tiers[i - 1];
    if (below && tier.threshold <= below.threshold) {
      issues.push({
        path: `tiers.${i}.threshold`,
        message: `${tier.name}'s threshold, ${words(tier.threshold)}, must be above the previous tier's ${words(below.threshold)} (${below.name})`,
        code: "custom",
      });
    }
    if (tier.retainThreshold !== undefined && tier.retainThreshold > tier.threshold) {
      issues.push({
        path: `tiers.${i}.retainThreshold`,
        message: `${tier.name}: keeping the tier cannot need more (${words(tier.retainThreshold)}) than reaching it (${words(tier.threshold)})`,
        code: "custom",
      });
    }
  });
  return issues;
}

/** Refuses a ladder whose thresholds are out of order, naming the first problem in money or points. */
export function checkLadderThresholds(input: PutTiersInput, currency: string): void {
  const issues = ladderThresholdIssues(input, currency);
  const first = issues[0];
  if (first) throw new DomainError("validation_error", first.message, { issues });
}
