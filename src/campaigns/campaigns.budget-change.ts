import type { Transaction } from "kysely";
import type { CampaignRow, DB } from "../db/schema.ts";
import { DomainError } from "../shared/errors.ts";
import * as q from "./campaigns.sql.ts";

type BudgetPer = "campaign" | "occurrence";

/**
 * Changes a campaign's budget: removed, added (on a draft only: events in flight under a live
 * campaign's unbudgeted rules would go uncounted), raised, or lowered as far as what is left allows.
 * With a budget per occurrence, a raise or cut applies to every occurrence opened so far (what
 * later ones start with follows budget_points). Whether the budget is per campaign or per
 * occurrence changes on a draft only: an award already taken belongs to one or the other.
 */
export async function changeBudget(trx: Transaction<DB>, current: CampaignRow, budget: number | null, per: BudgetPer) {
  const before = current.budget_points;
  if (per !== current.budget_per) {
    if (current.status !== "draft") {
      throw new DomainError(
        "invalid_state",
        "Whether the budget is for the whole campaign or for each occurrence can be changed on a draft only; create a new campaign",
        { field: "budgetPer" },
      );
    }
    await q.dropBudget(trx, current.id);
    if (budget !== null && per === "campaign") await q.addToBudget(trx, current.id, budget);
    return;
  }
  if (budget === before) return;
  if (budget === null) {
    await q.dropBudget(trx, current.id);
    return;
  }
  if (before === null) {
    // On a live campaign, events in flight under the unbudgeted rules would go uncounted.
    if (current.status !== "draft") {
      throw new DomainError("invalid_state", "A budget can be added to a draft campaign only; create a new campaign", {
        field: "budgetPoints",
      });
    }
    if (per === "campaign") await q.addToBudget(trx, current.id, budget);
    return;
  }
  const occurrences = per === "campaign" ? [""] : await q.budgetOccurrences(trx, current.id);
  for (const occurrence of occurrences) {
    if (budget > before) await q.addToBudget(trx, current.id, budget - before, occurrence);
    else if (!(await q.removeFromBudget(trx, current.id, before - budget, occurrence))) {
      const which = occurrence === "" ? "The campaign has" : "An occurrence of the campaign has";
      throw new DomainError("validation_error", `${which} already spent more than ${budget} points`, {
        field: "budgetPoints",
      });
    }
  }
}
