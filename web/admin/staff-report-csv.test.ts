import { describe, expect, it } from "vitest";
import { csvField, staffReportCsv } from "./staff-report-csv.ts";

describe("csvField", () => {
  it.each([
    ["Ann Till", "Ann Till"],
    ["Till, Ann", '"Till, Ann"'],
    ['Ann "the till"', '"Ann ""the till"""'],
    ["=SUM(A1)", "'=SUM(A1)"],
    ["-5", "'-5"],
    ["", ""],
  ])("%j -> %j", (value, field) => {
    expect(csvField(value)).toBe(field);
  });
});

describe("staffReportCsv", () => {
  it("lists cashiers then stores, amounts in major units", () => {
    const counts = { enrolments: 1, sales: 2, salesAmount: 3500, redemptions: 0, vouchersUsed: 1 };
    const csv = staffReportCsv(
      {
        staff: [
          { actor: "staff:stf_1", name: "Ann Till", ...counts },
          { actor: null, name: null, ...counts, salesAmount: 5 },
        ],
        stores: [{ storeId: null, ...counts }],
      },
      2,
    );
    expect(csv.split("\r\n")).toEqual([
      "by,id,name,enrolments,sales,sales_amount,redemptions,vouchers_used",
      "cashier,staff:stf_1,Ann Till,1,2,35.00,0,1",
      "cashier,,(not recorded),1,2,0.05,0,1",
      "store,,(no store),1,2,35.00,0,1",
      "",
    ]);
  });
});
