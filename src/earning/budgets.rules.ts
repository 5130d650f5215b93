import type { Evaluation } from "./earning.types.ts";

/** Campaign budgets as an evaluation spends them: what is taken, given back, and wanted. */

/**
 * Points campaigns may still give, by budget key (the campaign id, or `id@occurrence start` for a
 * budget per occurrence: budgetKeyAt); evaluate() takes what it awards out of it. A key not in
 * the map has no budget.
 */
export type Budgets = Map<string, number>;

/**
 * Takes up to `points` from a campaign's budget and returns what it grants; null when there is
 * no campaign or it has no budget (nothing to take from, nothing cut).
 */
export function takeBudget(budgets: Budgets, campaignId: string | undefined, points: number): number | null {
  const left = campaignId === undefined ? undefined : budgets.get(campaignId);
  if (campaignId === undefined || left === undefined) return null;
  const granted = Math.min(points, left);
  budgets.set(campaignId, left - granted);
  return granted;
}

/** Gives points taken from a campaign's budget back to it (a rule that lost to a better exclusive one). */
export function giveBackBudget(budgets: Budgets, campaignId: string | undefined, points: number): void {
  const left = campaignId === undefined ? undefined : budgets.get(campaignId);
  if (campaignId !== undefined && left !== undefined) budgets.set(campaignId, left + points);
}

/**
 * Points each budgeted campaign wants for an evaluation, by campaign id or, with `keyOf`, by the
 * budget key the event's awards take from (a budget per occurrence).
 */
export function budgetWants(
  evaluation: Evaluation,
  budgeted: ReadonlySet<string>,
  keyOf: (campaignId: string) => string = (id) => id,
): Map<string, number> {
  const wants = new Map<string, number>();
  for (const c of evaluation.contributions) {
    if (c.campaignId !== null && budgeted.has(c.campaignId)) {
      const key = keyOf(c.campaignId);
      wants.set(key, (wants.get(key) ?? 0) + c.points);
    }
  }
  return wants;
}
