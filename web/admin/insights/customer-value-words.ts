/**
 * Customer lifetime value in a marketing manager's words: the model's parameters as plain figures,
 * a fit's status and why one failed, and the number formats the pages and their tests share.
 */
import type { ComparisonSide, CustomerValueFit, CustomerValueParameters } from "../api/insights-customers.ts";

/** The API's minimums for a fit (src/insights/customer-value-fit.rules.ts), for when a failed fit's reason names no count. */
const MIN_CUSTOMERS = 30;
const MIN_REPEAT_CUSTOMERS = 10;

/** A probability as a percentage with one decimal: 0.8734 -> "87.3%". */
export const formatPercent = (share: number) =>
  new Intl.NumberFormat(undefined, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(share);

/** Expected purchase days (a mean, not a count): two decimals. */
export const formatExpected = (n: number) =>
  new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n);

/** A fitted parameter: four significant digits (the fit is not more precise than that to a reader). */
export const formatParameter = (n: number) => new Intl.NumberFormat(undefined, { maximumSignificantDigits: 4 }).format(n);

/** Days, with at most one decimal. */
export const formatDays = (n: number) =>
  `${new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 }).format(n)} ${n === 1 ? "day" : "days"}`;

/** What the parameters say about the average customer, derived from them (each null when the parameters allow none). */
export interface ParameterFacts {
  /** Days between purchase days of the average active customer: alpha / r (the mean rate is r / alpha a day). */
  daysBetweenPurchases: number | null;
  /** The average chance of dropping out after a purchase: a / (a + b), the mean of Beta(a, b). */
  dropOutAfterPurchase: number | null;
  /** The average spend per purchase day across customers, minor units: p v / (q - 1), the Gamma-Gamma mean (q > 1). */
  meanSpend: number | null;
}

export function parameterFacts({ r, alpha, a, b, p, q, v }: CustomerValueParameters): ParameterFacts {
  return {
    daysBetweenPurchases: r > 0 ? alpha / r : null,
    dropOutAfterPurchase: a + b > 0 ? a / (a + b) : null,
    meanSpend: q > 1 ? (p * v) / (q - 1) : null,
  };
}

/** A count from a refusal's details (the 422 at once) or, for a fit that failed in the jobs, from its message ("there are 29"). */
function countOf(details: Record<string, unknown> | undefined, field: string, message: string | undefined): number | null {
  const value = details?.[field];
  if (typeof value === "number") return value;
  const match = message ? /there are (\d+)/.exec(message) : null;
  return match ? Number(match[1]) : null;
}

/**
 * Why a fit could not be made, in plain words, from the API's reason (a 422's details.reason or a
 * failed fit's error.reason); an unknown reason falls back to the API's own message.
 */
export function fitFailureWords(reason: string, message?: string, details?: Record<string, unknown>): string {
  switch (reason) {
    case "too_few_customers": {
      const n = countOf(details, "customers", message);
      const minimum = typeof details?.minimum === "number" ? details.minimum : MIN_CUSTOMERS;
      return `The model needs at least ${minimum} customers who bought${n === null ? "" : `; this programme has ${n}`}.`;
    }
    case "too_few_repeat_customers": {
      const n = countOf(details, "repeatCustomers", message);
      const minimum = typeof details?.minimum === "number" ? details.minimum : MIN_REPEAT_CUSTOMERS;
      return `The model needs at least ${minimum} customers who bought on two different days${n === null ? "" : `; this programme has ${n}`}.`;
    }
    case "not_identified":
      return "The purchase history is too uniform for the model to tell how often customers buy from how often they stop; it needs more varied history.";
    case "did_not_converge":
      return "The fit did not settle on an answer for this history. Try again once there are more purchases.";
    case "not_finite":
      return "The fit gave figures that cannot be used for this history. Try again once there are more purchases.";
    case "infinite_mean_spend":
      return "Spend per purchase varies too widely for the model to estimate an average customer's spend.";
    case "error":
      return "The server failed unexpectedly while fitting (it is logged). Try again, and tell your administrator if it keeps failing.";
    default:
      return message ?? `The fit failed (${reason}).`;
  }
}

/** Who asked for a fit, in words: the nightly refit or a person or key. */
export const requestedByWords = (requestedBy: string) => (requestedBy === "system:nightly" ? "the nightly refit" : "staff");

/** A fit's state in one line, for a status region. */
export function fitStatusWords(fit: CustomerValueFit): string {
  const on = `history up to ${fit.asOf}`;
  switch (fit.status) {
    case "queued":
      return `Fit queued (${on}): waiting for the server's jobs to start it.`;
    case "running":
      return `Fitting (${on})…`;
    case "succeeded":
      return `Fit succeeded (${on}): ${fit.customers ?? 0} customers, ${fit.repeatCustomers ?? 0} of them repeat customers.`;
    case "failed":
      return `Fit failed (${on}). ${fitFailureWords(fit.error?.reason ?? "error", fit.error?.message)}`;
  }
}

/** A programme day (YYYY-MM-DD) as a date, with no time zone shift: "2026-03-31" -> "Mar 31, 2026". */
export const formatProgrammeDay = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    timeZone: "UTC",
  });

/**
 * Why the non-members' model (fitted on guest purchases by customerRef) gave no prediction, in plain
 * words: the counts it needs are of customers who gave a reference, not of members.
 */
export function nonMemberFitWords(reason: string, message?: string, details?: Record<string, unknown>): string {
  switch (reason) {
    case "too_few_customers": {
      const n = countOf(details, "customers", message);
      return `The model needs at least ${MIN_CUSTOMERS} non-member customers who gave a reference (a card token or a hashed email)${n === null ? "" : `; there are ${n}`}.`;
    }
    case "too_few_repeat_customers": {
      const n = countOf(details, "repeatCustomers", message);
      return `The model needs at least ${MIN_REPEAT_CUSTOMERS} non-member customers with a reference who bought on two different days${n === null ? "" : `; there are ${n}`}.`;
    }
    default:
      return fitFailureWords(reason, message, details);
  }
}

/** A side's predicted CLV in the comparison: the mean, or why there is none, in words. */
export function predictedClvWords(side: "members" | "nonMembers", clv: ComparisonSide["predictedClv"]): string | null {
  if (clv.status === "valued") return null;
  if (clv.status === "no_model") return "No prediction yet: the customer value model has not been fitted.";
  if (clv.reason === "no_values")
    return side === "members"
      ? "No member who bought in these dates has a predicted value."
      : "No non-member customer with a reference bought in these dates.";
  return side === "members"
    ? fitFailureWords(clv.reason ?? "error", clv.message ?? undefined)
    : nonMemberFitWords(clv.reason ?? "error", clv.message ?? undefined);
}
