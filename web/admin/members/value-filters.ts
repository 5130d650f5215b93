/**
 * The Members page's customer-value sort and filters as the URL holds them (`sort`, `minClv` as typed
 * in the currency's major unit, `maxActive` in percent) and as the API takes them (minor units, 0..1).
 */
import { parseAmount } from "../../shared/money.ts";
import type { ValueQuery, ValueSort } from "../api/members.ts";

export const VALUE_SORTS: readonly ValueSort[] = ["-clv", "clv", "-probabilityAlive", "probabilityAlive"];

/** The order choices, as the Members page's select offers them ("" is the default, by member id). */
export const SORT_OPTIONS: { value: ValueSort | ""; label: string }[] = [
  { value: "", label: "Oldest first" },
  ...VALUE_SORTS.map((sort) => ({ value: sort, label: capitalised(sortWords(sort).replace(/^by /, "")) })),
];

export interface ValueFilterText {
  sort: string | null;
  minClv: string | null;
  maxActive: string | null;
}

export interface ValueFilters {
  /** What the API is asked; a field typed wrong is left out (and named in `errors`). */
  query: ValueQuery;
  errors: { minClv?: string; maxActive?: string };
  /** Whether the list is narrowed to members with a value (a sort or a filter by a figure). */
  active: boolean;
}

export function valueFilters(text: ValueFilterText, currency: string): ValueFilters {
  const query: ValueQuery = {};
  const errors: ValueFilters["errors"] = {};
  if (text.sort && (VALUE_SORTS as readonly string[]).includes(text.sort)) query.sort = text.sort as ValueSort;
  const minClv = text.minClv?.trim();
  if (minClv) {
    const minor = parseAmount(minClv, currency);
    if (minor === null) errors.minClv = "Enter an amount, such as 50 or 49.99";
    else query.minClv = minor;
  }
  const maxActive = text.maxActive?.trim();
  if (maxActive) {
    const percent = Number(maxActive.replace(/%$/, ""));
    if (!Number.isFinite(percent) || percent < 0 || percent > 100) errors.maxActive = "Enter a percentage from 0 to 100";
    else query.maxProbabilityAlive = percent / 100;
  }
  return { query, errors, active: Object.keys(query).length > 0 };
}

/** The column's aria-sort for the current sort. */
export function ariaSort(
  current: ValueSort | undefined,
  figure: "clv" | "probabilityAlive",
): "descending" | "ascending" | "none" {
  return current === `-${figure}` ? "descending" : current === figure ? "ascending" : "none";
}

/** The order in words, for the line above the list: "by 12-month value, highest first". */
export function sortWords(sort: ValueSort | undefined): string {
  switch (sort) {
    case "-clv":
      return "by 12-month value, highest first";
    case "clv":
      return "by 12-month value, lowest first";
    case "-probabilityAlive":
      return "by chance still active, highest first";
    case "probabilityAlive":
      return "by chance still active, lowest first";
    default:
      return "oldest first";
  }
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
