import { stringify } from "csv-stringify/sync";

/**
 * Report tables as CSV files for a spreadsheet (RFC 4180, written by csv-stringify): a header
 * line of column names, then one line per row. Money columns are written in the currency's major
 * unit with its digits (12.50 for USD, 1250 for JPY), so a spreadsheet sums money as money;
 * rates stay 0..1. A text cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR
 * first) is defused with a leading apostrophe (OWASP "CSV injection").
 */

export type CsvValue = string | number | boolean | null | undefined;

export interface CsvColumn<Row> {
  /** The header written for it (snake_case by convention). */
  header: string;
  value: (row: Row) => CsvValue;
  /** Minor units of the report's currency, written in its major unit. */
  money?: boolean;
}

/** A report's table as CSV: its rows and columns, from the report's answer. */
export interface CsvTable<Answer, Row = never> {
  rows: (answer: Answer) => readonly Row[];
  columns: readonly CsvColumn<Row>[];
}

/** A table spec with its row type checked against its columns (inference helper). */
export const csvTable = <Answer, Row>(rows: (answer: Answer) => readonly Row[], columns: readonly CsvColumn<Row>[]) =>
  ({ rows, columns }) as CsvTable<Answer, unknown>;

/** Columns straight from row fields: `field("enrolments")`, `field("salesAmount", "sales_amount", { money: true })`. */
export const field = <Row>(key: keyof Row & string, header = snake(key), options: { money?: boolean } = {}): CsvColumn<Row> => ({
  header,
  value: (row) => row[key] as CsvValue,
  ...options,
});

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const digitsByCurrency = new Map<string, number>();
/** Digits after the decimal point in the currency's major unit (2 for USD, 0 for JPY, 3 for KWD). */
export function currencyDigits(currency: string): number {
  let digits = digitsByCurrency.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat("en-US", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

/** Minor units as a major-unit decimal string, exact (no float rounding): 1234 USD -> "12.34", -5 -> "-0.05". */
export function majorUnits(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  if (!Number.isInteger(minor)) return (minor / 10 ** digits).toFixed(Math.max(digits, 4));
  if (digits === 0) return String(minor);
  const sign = minor < 0 ? "-" : "";
  const abs = String(Math.abs(minor)).padStart(digits + 1, "0");
  return `${sign}${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
}

/** A text cell a spreadsheet would evaluate, defused; numbers (negative ones too) are left as they are. */
export function defuse(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function toCsv<Answer>(answer: Answer, table: CsvTable<Answer, unknown>, currency: string | undefined): string {
  const header = table.columns.map((c) => c.header);
  const lines = table.rows(answer).map((row) =>
    table.columns.map((c) => {
      const v = c.value(row);
      if (v === null || v === undefined) return "";
      if (c.money && typeof v === "number" && currency) return majorUnits(v, currency);
      if (typeof v === "string") return defuse(v);
      return String(v);
    }),
  );
  // A line break inside a cell is quoted whichever break it is (csv-stringify looks only for its own delimiter).
  return stringify([header, ...lines], { record_delimiter: "\r\n", quoted_match: /[\r\n]/ });
}
