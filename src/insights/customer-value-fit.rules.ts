import { DateTime } from "luxon";
import { DomainError } from "../shared/errors.ts";
import {
  type BgNbdFit,
  type BgNbdParameters,
  bgnbdConditionalExpectedTransactions,
  bgnbdProbabilityAlive,
  customerLifetimeValue,
  discountedExpectedTransactions,
  type FrequencyRecency,
  type FrequencySpend,
  fitBgNbd,
  fitGammaGamma,
  type GammaGammaFit,
  type GammaGammaParameters,
  gammaGammaExpectedSpend,
  MIN_CUSTOMERS,
  MIN_REPEAT_CUSTOMERS,
} from "./customer-value.rules.ts";

/**
 * The product layer's pure steps around the model core (customer-value.rules.ts): the calibration window a
 * fit request names, the refusal the API can give at once, the two fits together, and the figures each
 * member gets. Time is in days (one transaction per programme day), money in the currency's minor units.
 */

export const MODEL = "bgnbd+gamma-gamma";
export const TIME_UNIT = "days";
/** The stored per-member CLV (and the member value answer's defaults): 12 months at 1% a month. */
export const DEFAULT_HORIZON_MONTHS = 12;
export const DEFAULT_MONTHLY_DISCOUNT_RATE = 0.01;
/** The horizons of the expected-transactions figures, in days. */
export const EXPECTATION_DAYS = [30, 90, 365] as const;

export interface FitWindow {
  /** The calibration period's last day (programme time, inclusive): T runs to it. */
  asOf: string;
  /** Purchases before this instant count: the end of asOf, or now when asOf is today. */
  end: Date;
  /** Customers whose first purchase day is before this day are left out; null: none are. */
  calibrationFrom: string | null;
}

function day(value: string, field: string, timezone: string): DateTime {
  const d = DateTime.fromISO(value, { zone: timezone }).startOf("day");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !d.isValid) {
    throw new DomainError("validation_error", `${field} is not a date (YYYY-MM-DD)`, { field });
  }
  return d;
}

/**
 * The window a fit reads: asOf (default today, in the programme's time zone) must not be after today, and
 * calibrationFrom, when given, not after asOf. Today's end is still to come, so today is read up to now.
 */
export function fitWindow(input: { asOf?: string; calibrationFrom?: string }, timezone: string, now: Date): FitWindow {
  const today = DateTime.fromJSDate(now, { zone: timezone }).startOf("day");
  const asOf = input.asOf === undefined ? today : day(input.asOf, "asOf", timezone);
  if (asOf > today) {
    throw new DomainError("validation_error", `asOf must not be after today (${today.toISODate()} in ${timezone})`, {
      field: "asOf",
    });
  }
  const from = input.calibrationFrom === undefined ? null : day(input.calibrationFrom, "calibrationFrom", timezone);
  if (from && from > asOf) {
    throw new DomainError("validation_error", `calibrationFrom must not be after asOf (${asOf.toISODate()})`, {
      field: "calibrationFrom",
    });
  }
  const end = asOf.equals(today) ? new Date(now.getTime() + 1) : asOf.plus({ days: 1 }).toJSDate();
  return { asOf: asOf.toISODate() ?? "", end, calibrationFrom: from?.toISODate() ?? null };
}

/**
 * The refusal a fit request gets at once, before anything is queued, when the window plainly holds too little
 * data: the same reasons and minimums as fitBgNbd's (a fit queued anyway could only fail with them).
 */
export function refuseTooLittleData(counts: { customers: number; repeatCustomers: number }): void {
  if (counts.customers < MIN_CUSTOMERS) {
    throw new DomainError("unprocessable", `BG/NBD needs at least ${MIN_CUSTOMERS} customers; there are ${counts.customers}`, {
      reason: "too_few_customers",
      customers: counts.customers,
      minimum: MIN_CUSTOMERS,
    });
  }
  if (counts.repeatCustomers < MIN_REPEAT_CUSTOMERS) {
    throw new DomainError(
      "unprocessable",
      `BG/NBD needs at least ${MIN_REPEAT_CUSTOMERS} customers who bought again; there are ${counts.repeatCustomers}`,
      { reason: "too_few_repeat_customers", repeatCustomers: counts.repeatCustomers, minimum: MIN_REPEAT_CUSTOMERS },
    );
  }
}

/** A member's history as the models read it (x, t_x and T in days; mean repeat-day spend in minor units). */
export type History = FrequencyRecency & FrequencySpend;

export interface FittedModels {
  bgnbd: BgNbdFit;
  gammaGamma: GammaGammaFit;
}

/** Both fits on the same summaries: purchases (BG/NBD, every customer) and spend (Gamma-Gamma, repeat spenders). */
export function fitModels(histories: readonly History[]): FittedModels {
  return { bgnbd: fitBgNbd(histories), gammaGamma: fitGammaGamma(histories) };
}

export interface ModelParameters extends BgNbdParameters, GammaGammaParameters {}

export const parametersOf = (fit: FittedModels): ModelParameters => ({ ...fit.bgnbd.params, ...fit.gammaGamma.params });

export interface ClvHorizon {
  months: number;
  monthlyDiscountRate: number;
}

/** What the models say of one member. */
export interface MemberFigures {
  expected30: number;
  expected90: number;
  expected365: number;
  probabilityAlive: number;
  /** E[M | x, mbar]: expected spend per purchase day, minor units. */
  expectedSpend: number;
  /** Discounted expected spend over the horizon, minor units. */
  clv: number;
}

/**
 * A member's figures: E[Y(t) | x, t_x, T] for t = 30, 90, 365 days, P(alive), E[M | x, mbar] and CLV over the
 * horizon (months of 30 days, each month's expected purchases discounted at its end). A member with no
 * purchase yet is read as a customer just acquired (x = t_x = T = 0): E[X(t)], P(alive) = 1, the population's
 * mean spend p v / (q - 1).
 */
export function memberFigures(params: ModelParameters, history: History, horizon: ClvHorizon): MemberFigures {
  const bg: BgNbdParameters = { r: params.r, alpha: params.alpha, a: params.a, b: params.b };
  const gg: GammaGammaParameters = { p: params.p, q: params.q, v: params.v };
  const [e30, e90, e365] = EXPECTATION_DAYS.map((t) => bgnbdConditionalExpectedTransactions(bg, t, history)) as [
    number,
    number,
    number,
  ];
  return {
    expected30: e30,
    expected90: e90,
    expected365: e365,
    probabilityAlive: bgnbdProbabilityAlive(bg, history),
    expectedSpend: gammaGammaExpectedSpend(gg, history),
    clv: customerLifetimeValue(bg, gg, history, {
      months: horizon.months,
      monthlyDiscountRate: horizon.monthlyDiscountRate,
      timeUnit: TIME_UNIT,
    }),
  };
}

/**
 * memberFigures for many members (the function answers one member at a time, so a caller can pause between
 * chunks), each distinct (x, t_x, T) worked out once: the purchase figures depend on
 * nothing else, and CLV is E[M | x, mbar] x the discounted expected purchases (customerLifetimeValue's own
 * product), so a programme's members share far fewer histories than they are (whole days). The same numbers
 * as memberFigures, member by member.
 */
export function figuresOfMany(params: ModelParameters, horizon: ClvHorizon): (history: History) => MemberFigures {
  const bg: BgNbdParameters = { r: params.r, alpha: params.alpha, a: params.a, b: params.b };
  const gg: GammaGammaParameters = { p: params.p, q: params.q, v: params.v };
  const options = { months: horizon.months, monthlyDiscountRate: horizon.monthlyDiscountRate, timeUnit: TIME_UNIT } as const;
  const purchases = new Map<string, Omit<MemberFigures, "expectedSpend" | "clv"> & { discounted: number }>();
  return (h) => {
    const key = `${h.frequency}|${h.recency}|${h.T}`;
    let known = purchases.get(key);
    if (!known) {
      const [e30, e90, e365] = EXPECTATION_DAYS.map((t) => bgnbdConditionalExpectedTransactions(bg, t, h)) as [
        number,
        number,
        number,
      ];
      known = {
        expected30: e30,
        expected90: e90,
        expected365: e365,
        probabilityAlive: bgnbdProbabilityAlive(bg, h),
        discounted: discountedExpectedTransactions(bg, h, options),
      };
      purchases.set(key, known);
    }
    const { discounted, ...figures } = known;
    const expectedSpend = gammaGammaExpectedSpend(gg, h);
    return { ...figures, expectedSpend, clv: expectedSpend * discounted };
  };
}

/** The history of a member with no purchase in the window: a customer just acquired. */
export const NEW_CUSTOMER: History = { frequency: 0, recency: 0, T: 0, monetaryValue: 0 };

/** Money figures answered in whole minor units, rounded half away from zero (they are expectations). */
export const roundMinor = (value: number): number => Math.sign(value) * Math.round(Math.abs(value));
