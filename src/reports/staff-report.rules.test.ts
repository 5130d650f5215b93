import { describe, expect, it } from "vitest";
import { foldStaffActivity, type StaffActivityRow } from "./staff-report.rules.ts";

const row = (metric: StaffActivityRow["metric"], actor: string | null, store: string | null, n: number, amount = 0) => ({
  metric,
  actor,
  store,
  n,
  amount,
});

describe("foldStaffActivity", () => {
  it("folds counts per actor and per store, busiest first, adding up to the totals", () => {
    const folded = foldStaffActivity([
      row("sales", "staff:ann", "main", 2, 3000),
      row("sales", "staff:ann", "mall", 1, 500),
      row("sales", "staff:bob", "main", 3, 900),
      row("enrolments", "staff:ann", "main", 1),
      row("enrolments", null, null, 4),
      row("redemptions", "staff:bob", "main", 2),
      row("vouchers_used", "key:key_1", null, 1),
    ]);
    expect(folded.staff).toEqual([
      { actor: "staff:ann", enrolments: 1, sales: 3, salesAmount: 3500, redemptions: 0, vouchersUsed: 0 },
      { actor: "staff:bob", enrolments: 0, sales: 3, salesAmount: 900, redemptions: 2, vouchersUsed: 0 },
      { actor: null, enrolments: 4, sales: 0, salesAmount: 0, redemptions: 0, vouchersUsed: 0 },
      { actor: "key:key_1", enrolments: 0, sales: 0, salesAmount: 0, redemptions: 0, vouchersUsed: 1 },
    ]);
    expect(folded.stores).toEqual([
      { storeId: "main", enrolments: 1, sales: 5, salesAmount: 3900, redemptions: 2, vouchersUsed: 0 },
      { storeId: "mall", enrolments: 0, sales: 1, salesAmount: 500, redemptions: 0, vouchersUsed: 0 },
      { storeId: null, enrolments: 4, sales: 0, salesAmount: 0, redemptions: 0, vouchersUsed: 1 },
    ]);
    expect(folded.totals).toEqual({ enrolments: 5, sales: 6, salesAmount: 4400, redemptions: 2, vouchersUsed: 1 });
  });

  it.each([
    [[], { staff: [], stores: [], totals: { enrolments: 0, sales: 0, salesAmount: 0, redemptions: 0, vouchersUsed: 0 } }],
  ])("nothing to count: empty tables and zero totals", (rows, expected) => {
    expect(foldStaffActivity(rows)).toEqual(expected);
  });

  it("orders ties by id, unknown last", () => {
    const folded = foldStaffActivity([
      row("sales", "staff:b", null, 1, 100),
      row("sales", null, null, 1, 100),
      row("sales", "staff:a", null, 1, 100),
    ]);
    expect(folded.staff.map((s) => s.actor)).toEqual(["staff:a", "staff:b", null]);
  });
});
