import type { Transaction } from "kysely";
import type { CampaignRow, DB } from "../db/schema.ts";
import { DomainError } from "../shared/errors.ts";
import * as q from "./campaigns.sql.ts";

/**
 * Changes a campaign's budget: removed, added (on a draft only: events in flight under a live
 * campaign's unbudgeted rules would go uncounted), raised, or lowered as far as what is left allows.
 */
export async function changeBudget(trx: Transaction<DB>, current: CampaignRow, budget: number | null) {
  const before = current.budget_points;
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
    await q.addToBudget(trx, current.id, budget);
    return;
  }
  if (budget > before) await q.addToBudget(trx, current.id, budget - before);
  else if (!(await q.removeFromBudget(trx, current.id, before - budget))) {
    throw new DomainError("validation_error", `The campaign has already spent more than ${budget} points`, {
      field: "budgetPoints",
    });
  }
}
