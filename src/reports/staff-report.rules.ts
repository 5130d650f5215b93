/** One count of the staff report: what (`metric`), by whom (`actor`), where (`store`), how many and how much. */
export interface StaffActivityRow {
  metric: "enrolments" | "sales" | "redemptions" | "vouchers_used";
  actor: string | null;
  store: string | null;
  n: number;
  amount: number;
}

/** What the staff report counts for one cashier (or key) or one store. */
export interface StaffCounts {
  enrolments: number;
  sales: number;
  /** Minor units of the programme's currency, net of returns. */
  salesAmount: number;
  redemptions: number;
  vouchersUsed: number;
}

export const noCounts = (): StaffCounts => ({ enrolments: 0, sales: 0, salesAmount: 0, redemptions: 0, vouchersUsed: 0 });

function add(counts: StaffCounts, row: StaffActivityRow): void {
  switch (row.metric) {
    case "enrolments":
      counts.enrolments += row.n;
      return;
    case "sales":
      counts.sales += row.n;
      counts.salesAmount += row.amount;
      return;
    case "redemptions":
      counts.redemptions += row.n;
      return;
    case "vouchers_used":
      counts.vouchersUsed += row.n;
  }
}

const busiest = (a: StaffCounts, b: StaffCounts) =>
  b.sales - a.sales || b.salesAmount - a.salesAmount || b.enrolments - a.enrolments || b.redemptions - a.redemptions;

/** Ids in code-point order, null (unknown, no store) last. */
const byId = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1);

/**
 * The counts folded per actor and per store, busiest first (most sales, then amount, enrolments,
 * redemptions; ties by id), with the totals. An unknown actor (rows from before actors were
 * recorded) and no store are each one row of their own, `null`, so the rows always add up to the
 * totals.
 */
export function foldStaffActivity(rows: StaffActivityRow[]) {
  const byActor = new Map<string | null, StaffCounts>();
  const byStore = new Map<string | null, StaffCounts>();
  const totals = noCounts();
  for (const row of rows) {
    for (const [map, key] of [
      [byActor, row.actor],
      [byStore, row.store],
    ] as const) {
      const counts = map.get(key) ?? noCounts();
      map.set(key, counts);
      add(counts, row);
    }
    add(totals, row);
  }
  const sorted = (map: Map<string | null, StaffCounts>) => [...map].sort(([ka, a], [kb, b]) => busiest(a, b) || byId(ka, kb));
  return {
    staff: sorted(byActor).map(([actor, counts]) => ({ actor, ...counts })),
    stores: sorted(byStore).map(([storeId, counts]) => ({ storeId, ...counts })),
    totals,
  };
}
