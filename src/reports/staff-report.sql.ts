import { sql } from "kysely";
import type { Db } from "../db/schema.ts";
import type { StaffActivityRow } from "./staff-report.rules.ts";

/**
 * Everything the staff report counts in [start, end), grouped by actor and store, in one round
 * trip. Each part counts what exists now, so what was undone since is left out:
 * - enrolments: members enrolled (their `enrolled_by`, `enrolled_store_id`);
 * - sales: purchases by when they happened, net of what was returned since (a purchase returned
 *   in full is not counted; a partial return lowers the amount; refused events are not sales);
 * - redemptions: completed and not cancelled since (`completed_at`);
 * - vouchers used: by whoever used them (`used_by`, `used_store_id`).
 */
export async function staffActivity(db: Db, programId: string, start: Date, end: Date): Promise<StaffActivityRow[]> {
  const result = await sql<{
    metric: StaffActivityRow["metric"];
    actor: string | null;
    store: string | null;
    n: string;
    amount: string;
  }>`
    select 'enrolments' as metric, enrolled_by as actor, enrolled_store_id as store, count(*) as n, 0 as amount
      from members
     where program_id = ${programId} and created_at >= ${start} and created_at < ${end}
     group by enrolled_by, enrolled_store_id
    union all
    select 'sales', actor, store_id, count(*), coalesce(sum(amount - returned_amount), 0)
      from events
     where program_id = ${programId} and type = 'purchase' and status <> 'rejected'
       and occurred_at >= ${start} and occurred_at < ${end}
       and amount > returned_amount
     group by actor, store_id
    union all
    select 'redemptions', actor, store_id, count(*), 0
      from redemptions
     where program_id = ${programId} and status = 'completed' and completed_at >= ${start} and completed_at < ${end}
     group by actor, store_id
    union all
    select 'vouchers_used', used_by, used_store_id, count(*), 0
      from vouchers
     where program_id = ${programId} and status = 'used' and used_at >= ${start} and used_at < ${end}
     group by used_by, used_store_id`.execute(db);
  return result.rows.map((r) => ({ ...r, n: Number(r.n), amount: Number(r.amount) }));
}
