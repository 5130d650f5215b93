import { describe, expect, it } from "vitest";
import { csvTable, defuse, field, majorUnits, toCsv } from "./csv.ts";

describe("majorUnits", () => {
  it.each([
    [1234, "USD", "12.34"],
    [5, "USD", "0.05"],
    [-5, "USD", "-0.05"],
    [0, "USD", "0.00"],
    [1250, "JPY", "1250"],
    [1234, "KWD", "1.234"],
    [12.5, "USD", "0.1250"],
  ])("%d %s -> %s", (minor, currency, expected) => {
    expect(majorUnits(minor, currency)).toBe(expected);
  });
});

describe("toCsv", () => {
  interface Row {
    name: string;
    amount: number;
    rate: number | null;
  }
  const table = csvTable(
    (a: { rows: Row[] }) => a.rows,
    [field<Row>("name"), field<Row>("amount", "amount", { money: true }), field<Row>("rate")],
  );

  it("writes a header, quotes what needs quoting, money in major units, null as empty", () => {
    const rows = [
      { name: 'Ada "the first", Lovelace', amount: 1999, rate: 0.25 },
      { name: "line\nbreak", amount: -100, rate: null },
    ];
    expect(toCsv({ rows }, table, "USD")).toBe(
      'name,amount,rate\r\n"Ada ""the first"", Lovelace",19.99,0.25\r\n"line\nbreak",-1.00,\r\n',
    );
  });

  it("defuses text a spreadsheet would run, not negative numbers", () => {
    expect(defuse("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(defuse("@SUM")).toBe("'@SUM");
    expect(toCsv({ rows: [{ name: "-1+1", amount: -1, rate: -0.5 }] }, table, "JPY")).toBe(
      "name,amount,rate\r\n'-1+1,-1,-0.5\r\n",
    );
  });

  it("writes only the header for an empty table", () => {
    expect(toCsv({ rows: [] }, table, "USD")).toBe("name,amount,rate\r\n");
  });
});
