/**
 * Campaign budgets, the pure part: how a budget is sliced, which slice a member's awards take from,
 * what a batch of events asks of each budget, and in which order refunds go back.
 */

/** Budgets are split into this many rows, so parallel awards rarely wait on each other. */
export const BUDGET_SLICES = 16;

/** The slice a member's awards take from first: a stable hash of the member id (FNV-1a). */
export function homeSlice(memberId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < memberId.length; i++) {
    hash ^= memberId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % BUDGET_SLICES;
}

/** Splits `points` over the slices as evenly as whole points allow. */
export function splitBudget(points: number): number[] {
  const base = Math.floor(points / BUDGET_SLICES);
  const extra = points % BUDGET_SLICES;
  return Array.from({ length: BUDGET_SLICES }, (_, i) => base + (i < extra ? 1 : 0));
}

/** What a batch asks of one budget (by budget key); taken from the home slice of the first member asking. */
export interface BudgetWant {
  points: number;
  memberId: string;
}

/**
 * Points going back to a campaign's budget, to the home slice of `memberId`. `budgetKey` is the
 * campaign id, or `id@start` for one occurrence's budget (budgetKeyAt).
 */
export interface BudgetRefund {
  budgetKey: string;
  memberId: string;
  points: number;
}

/** Adds one event's wants (campaign -> points) to the batch's: one take per campaign for the whole batch. */
export function addWants(wants: Map<string, BudgetWant>, memberId: string, eventWants: Iterable<[string, number]>): void {
  for (const [campaignId, points] of eventWants) {
    const want = wants.get(campaignId);
    if (want) want.points += points;
    else wants.set(campaignId, { points, memberId });
  }
}

/** Campaigns in the order their budgets are taken from: by id, the same in every transaction. */
export const takeOrder = (wants: Map<string, BudgetWant>): [string, BudgetWant][] =>
  [...wants].sort(([a], [b]) => (a < b ? -1 : 1));

/** What a dry run would be granted: each want, up to what is left. */
export function grantFromRemaining(wants: Map<string, BudgetWant>, remaining: Map<string, number>): Map<string, number> {
  return new Map([...wants].map(([id, want]) => [id, Math.min(want.points, remaining.get(id) ?? 0)]));
}

/** What was granted and not used goes back (to the slice of the member it was taken for). */
export function unusedGrants(
  granted: Map<string, number>,
  left: Map<string, number>,
  wants: Map<string, BudgetWant>,
): BudgetRefund[] {
  return [...granted.keys()].flatMap((budgetKey) => {
    const points = left.get(budgetKey) ?? 0;
    return points > 0 ? [{ budgetKey, memberId: wants.get(budgetKey)?.memberId ?? "", points }] : [];
  });
}

/**
 * Refunds with their slices in (campaign, slice) order, as sweeps lock slices, so refunds and
 * takes in parallel transactions cannot wait on each other in a cycle.
 */
export function refundsInLockOrder(refunds: BudgetRefund[]): (BudgetRefund & { slice: number })[] {
  return refunds
    .map((r) => ({ ...r, slice: homeSlice(r.memberId) }))
    .sort((a, b) => (a.budgetKey < b.budgetKey ? -1 : a.budgetKey > b.budgetKey ? 1 : a.slice - b.slice));
}
