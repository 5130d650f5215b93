/** The staff report as a CSV file for a spreadsheet: one line per cashier (or key), then per store. */

export interface CsvCounts {
  enrolments: number;
  sales: number;
  salesAmount: number;
  redemptions: number;
  vouchersUsed: number;
}

/** A field quoted when it holds a comma, a quote or a line break; a leading =+-@ is defused (spreadsheet formulas). */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Amounts in major units with the currency's digits (2 for USD, 0 for JPY). */
export function staffReportCsv(
  report: {
    staff: (CsvCounts & { actor: string | null; name: string | null })[];
    stores: (CsvCounts & { storeId: string | null })[];
  },
  fractionDigits: number,
): string {
  const money = (minor: number) => (minor / 10 ** fractionDigits).toFixed(fractionDigits);
  const counts = (c: CsvCounts) => [c.enrolments, c.sales, money(c.salesAmount), c.redemptions, c.vouchersUsed].map(String);
  const lines = [
    ["by", "id", "name", "enrolments", "sales", "sales_amount", "redemptions", "vouchers_used"],
    ...report.staff.map((s) => ["cashier", s.actor ?? "", s.name ?? "(not recorded)", ...counts(s)]),
    ...report.stores.map((s) => ["store", s.storeId ?? "", s.storeId ?? "(no store)", ...counts(s)]),
  ];
  return `${lines.map((line) => line.map(csvField).join(",")).join("\r\n")}\r\n`;
}
