import betaln from "@stdlib/math-base-special-betaln";
import gammaln from "@stdlib/math-base-special-gammaln";
import hyp2f1 from "@stdlib/math-base-special-hyp2f1";
import { DomainError } from "../shared/errors.ts";
import { nelderMead } from "./nelder-mead.rules.ts";

/**
 * Customer lifetime value, with no I/O: the probabilistic customer-base models marketing teams otherwise run in
 * Python (lifetimes) or R (BTYD, CLVTools), written on @stdlib's special functions.
 *
 * - The summary step turns each customer's purchases into (x, t_x, T, mean repeat spend).
 * - BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way", Marketing Science 24(2) 275-284)
 *   models how many purchases a customer makes and when they silently stop: Poisson purchases at rate
 *   lambda ~ Gamma(r, alpha), and after each purchase a drop-out with probability p ~ Beta(a, b).
 * - Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis",
 *   JMR 42(4) 415-430; Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary Value", brucehardie.com/notes/025)
 *   models spend per purchase: each purchase ~ Gamma(p, nu), nu ~ Gamma(q, v) across customers.
 * - CLV combines the two over a horizon with a monthly discount rate.
 *
 * Fits maximise the log-likelihood with Nelder-Mead in log-parameter space. A fit the data cannot support
 * (too few customers, no repeat buyers, parameters running off to 0 or infinity, a non-finite answer) is
 * refused with a DomainError "unprocessable" (HTTP 422) whose details carry a `reason`; nothing here returns NaN.
 */

export type TimeUnit = "days" | "weeks";

/** Days in one model time unit: the CDNOW literature measures T in weeks (days / 7). */
export const DAYS_PER_UNIT: Record<TimeUnit, number> = { days: 1, weeks: 7 };

/**
 * Model time units in one month, for CLV's monthly steps: lifetimes' `_customer_lifetime_value` factors
 * (30 for "D", 4.345 for "W"), kept identical so our CLV can be checked against lifetimes'.
 */
export const UNITS_PER_MONTH: Record<TimeUnit, number> = { days: 30, weeks: 4.345 };

/** Fewer customers than this: too little data to fit either model. */
export const MIN_CUSTOMERS = 30;
/** Fewer repeat customers (x >= 1) than this: nothing to learn purchase rates, drop-out or spend from. */
export const MIN_REPEAT_CUSTOMERS = 10;
/**
 * A fitted parameter more than 1e5 times larger or smaller than its starting scale (1 for the shape parameters,
 * the data's mean age or mean spend for the scale parameters alpha and v) means the likelihood kept improving
 * towards a boundary: the data do not pin the model down, and its answers would be meaningless.
 */
export const MAX_PARAMETER_RATIO = 1e5;
/** The optimiser never looks further than this from the start in log space (special functions overflow out there). */
const LOG_SEARCH_BOUND = 25;

// ---------------------------------------------------------------------------------------------------------
// Summary step

/** One purchase: the programme-time day it happened on and what it was worth. */
export interface Transaction {
  day: string;
  amount: number;
}

export interface CustomerTransactions {
  customerId: string;
  transactions: readonly Transaction[];
}

export interface SummaryOptions {
  /** Last day of the calibration period, inclusive (YYYY-MM-DD); later purchases are ignored. */
  calibrationEnd: string;
  /** Leave out customers whose first purchase is before this day (a cohort from this day on); default: none. */
  calibrationStart?: string;
  /** Unit of recency and T (default "days"). */
  timeUnit?: TimeUnit;
}

/** The literature's sufficient statistics of one customer's calibration history. */
export interface CustomerSummary {
  customerId: string;
  /** x: repeat purchase days (purchase days after the first). */
  frequency: number;
  /** t_x: time from the first purchase day to the last one. */
  recency: number;
  /** T: time from the first purchase day to the end of calibration. */
  T: number;
  /** Mean amount of the repeat purchase days (0 when frequency is 0: the first purchase is never counted). */
  monetaryValue: number;
  firstDay: string;
  lastDay: string;
}

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a YYYY-MM-DD day; refuses anything that is not a real calendar day. */
export function dayNumber(day: string): number {
  const m = DAY_PATTERN.exec(day);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const ms = Date.UTC(y, mo - 1, d);
    const back = new Date(ms);
    if (back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d) return ms / 86_400_000;
  }
  throw new DomainError("validation_error", `${JSON.stringify(day)} is not a day (YYYY-MM-DD)`, { day });
}

/**
 * The summary step (Fader, Hardie & Lee 2005; lifetimes' `summary_data_from_transaction_data`): purchases on
 * one day count as one transaction with the day's amounts summed; x = purchase days - 1; t_x = last day -
 * first day; T = calibration end - first day, both in `timeUnit`; monetary value = mean of the repeat days'
 * sums. Purchases after the calibration end are ignored and customers with none before it left out.
 * The output is sorted by customerId, so the input's order never matters.
 */
export function summarise(customers: readonly CustomerTransactions[], options: SummaryOptions): CustomerSummary[] {
  const end = dayNumber(options.calibrationEnd);
  const start = options.calibrationStart === undefined ? null : dayNumber(options.calibrationStart);
  const perUnit = DAYS_PER_UNIT[options.timeUnit ?? "days"];
  const byCustomer = new Map<string, Map<number, { day: string; amount: number }>>();
  for (const c of customers) {
    let days = byCustomer.get(c.customerId);
    if (!days) {
      days = new Map();
      byCustomer.set(c.customerId, days);
    }
    for (const t of c.transactions) {
      if (!Number.isFinite(t.amount)) {
        throw new DomainError("validation_error", `customer ${c.customerId} has a non-finite amount on ${t.day}`, {
          customerId: c.customerId,
          day: t.day,
        });
      }
      const n = dayNumber(t.day);
      if (n > end) continue;
      const seen = days.get(n);
      if (seen) seen.amount += t.amount;
      else days.set(n, { day: t.day, amount: t.amount });
    }
  }

  const out: CustomerSummary[] = [];
  for (const [customerId, days] of byCustomer) {
    if (days.size === 0) continue;
    const ordered = [...days.entries()].sort((p, q) => p[0] - q[0]);
    const [firstN, first] = ordered[0] as [number, { day: string; amount: number }];
    const [lastN, last] = ordered[ordered.length - 1] as [number, { day: string; amount: number }];
    if (start !== null && firstN < start) continue;
    const repeats = ordered.slice(1);
    const monetaryValue = repeats.length === 0 ? 0 : repeats.reduce((s, [, d]) => s + d.amount, 0) / repeats.length;
    out.push({
      customerId,
      frequency: repeats.length,
      recency: (lastN - firstN) / perUnit,
      T: (end - firstN) / perUnit,
      monetaryValue,
      firstDay: first.day,
      lastDay: last.day,
    });
  }
  return out.sort((p, q) => (p.customerId < q.customerId ? -1 : p.customerId > q.customerId ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------------------
// Shared fitting machinery

/** Why a fit was refused: carried in the 422's details. */
export type RefusalReason =
  | "too_few_customers"
  | "too_few_repeat_customers"
  | "not_identified"
  | "did_not_converge"
  | "not_finite"
  | "infinite_mean_spend";

function refuse(reason: RefusalReason, message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError("unprocessable", message, { reason, ...details });
}

export interface FitStatistics {
  /** Total log-likelihood at the estimates. */
  logLikelihood: number;
  /** Customers the likelihood summed over. */
  customers: number;
  iterations: number;
  evaluations: number;
}

/**
 * Maximises `logLikelihood` over positive parameters, searching theta = ln(parameter / scale) from theta = 0,
 * and refuses estimates that are not usable. Searching relative to each parameter's scale keeps the fit the
 * same whether time is in days or weeks and money in units or cents.
 */
function fitPositive(
  model: string,
  names: readonly string[],
  scales: readonly number[],
  logLikelihood: (params: number[]) => number,
  customers: number,
): { params: number[] } & FitStatistics {
  const toParams = (theta: readonly number[]) => theta.map((t, i) => (scales[i] as number) * Math.exp(t));
  // Mean negative log-likelihood, so the tolerances mean the same for 100 customers as for 1M.
  const objective = (theta: number[]) => {
    if (theta.some((t) => Math.abs(t) > LOG_SEARCH_BOUND)) return Number.POSITIVE_INFINITY;
    return -logLikelihood(toParams(theta)) / customers;
  };
  const result = nelderMead(
    objective,
    scales.map(() => 0),
    { initialStep: 0.5, xTolerance: 1e-9, fTolerance: 1e-13, restarts: 3, maxIterations: 1500 * scales.length },
  );
  const params = toParams(result.x);
  const ll = -result.value * customers;
  if (!Number.isFinite(ll) || !params.every(Number.isFinite)) {
    throw refuse("not_finite", `The ${model} fit found no finite likelihood on this data`);
  }
  const runaway = result.x.findIndex((t) => Math.abs(t) > Math.log(MAX_PARAMETER_RATIO));
  if (runaway >= 0) {
    throw refuse(
      "not_identified",
      `The data do not pin the ${model} model down: ${names[runaway]} runs off to ${(result.x[runaway] as number) > 0 ? "infinity" : "zero"}`,
      { parameter: names[runaway] },
    );
  }
  if (!result.converged) {
    throw refuse("did_not_converge", `The ${model} fit did not converge`, { iterations: result.iterations });
  }
  return { params, logLikelihood: ll, customers, iterations: result.iterations, evaluations: result.evaluations };
}

function logSumExp(u: number, v: number): number {
  const m = Math.max(u, v);
  if (m === Number.NEGATIVE_INFINITY) return m;
  return m + Math.log(Math.exp(u - m) + Math.exp(v - m));
}

// ---------------------------------------------------------------------------------------------------------
// BG/NBD

export interface BgNbdParameters {
  r: number;
  /** Scale of the purchase-rate distribution, in the summary's time unit. */
  alpha: number;
  a: number;
  b: number;
}

/** A customer's (x, t_x, T) as the BG/NBD uses them. */
export interface FrequencyRecency {
  frequency: number;
  recency: number;
  T: number;
}

/**
 * One customer's BG/NBD log-likelihood (Fader, Hardie & Lee 2005, eq. 6), in the log-sum-exp form lifetimes
 * uses (and Hardie's note 004 recommends) so large x or T never overflow:
 *   ln L = A1 + A2 + ln(exp(A3) + [x > 0] exp(A4)), with
 *   A1 = lnG(r + x) - lnG(r) + r ln(alpha),  A2 = lnB(a, b + x) - lnB(a, b),
 *   A3 = -(r + x) ln(alpha + T),  A4 = ln(a) - ln(b + x - 1) - (r + x) ln(alpha + t_x).
 */
export function bgnbdLogLikelihoodOf(params: BgNbdParameters, customer: FrequencyRecency): number {
  const { r, alpha, a, b } = params;
  const { frequency: x, recency: tx, T } = customer;
  const a1 = gammaln(r + x) - gammaln(r) + r * Math.log(alpha);
  const a2 = betaln(a, b + x) - betaln(a, b);
  const a3 = -(r + x) * Math.log(alpha + T);
  if (x === 0) return a1 + a2 + a3;
  const a4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
  return a1 + a2 + logSumExp(a3, a4);
}

/** A history shared by `weight` customers: the fits sum the likelihood once per distinct history. */
interface Weighted<T> {
  value: T;
  weight: number;
}

function compress<T>(items: readonly T[], key: (item: T) => string): Weighted<T>[] {
  const groups = new Map<string, Weighted<T>>();
  for (const item of items) {
    const k = key(item);
    const g = groups.get(k);
    if (g) g.weight += 1;
    else groups.set(k, { value: item, weight: 1 });
  }
  return [...groups.values()];
}

function sumBgNbd(params: BgNbdParameters, groups: readonly Weighted<FrequencyRecency>[]): number {
  const { r, alpha, a, b } = params;
  // The gamma and beta terms depend on x alone: computed once per distinct x (the same sums as
  // bgnbdLogLikelihoodOf, term for term).
  const base = -gammaln(r) + r * Math.log(alpha) - betaln(a, b);
  const perX = new Map<number, number>();
  let sum = 0;
  for (const { value: c, weight } of groups) {
    const x = c.frequency;
    let head = perX.get(x);
    if (head === undefined) {
      head = base + gammaln(r + x) + betaln(a, b + x);
      perX.set(x, head);
    }
    const a3 = -(r + x) * Math.log(alpha + c.T);
    const tail = x === 0 ? a3 : logSumExp(a3, Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + c.recency));
    sum += weight * (head + tail);
  }
  return sum;
}

const historyKey = (c: FrequencyRecency) => `${c.frequency}|${c.recency}|${c.T}`;

/** The BG/NBD log-likelihood summed over customers. */
export function bgnbdLogLikelihood(params: BgNbdParameters, customers: readonly FrequencyRecency[]): number {
  return sumBgNbd(params, compress(customers, historyKey));
}

export interface BgNbdFit extends FitStatistics {
  params: BgNbdParameters;
}

/**
 * Maximum-likelihood BG/NBD estimates over the customers' (x, t_x, T). Refuses (422) fewer than MIN_CUSTOMERS
 * customers, fewer than MIN_REPEAT_CUSTOMERS repeat customers, estimates that run off to a boundary, and
 * anything non-finite. alpha comes out in the summary's time unit.
 */
export function fitBgNbd(customers: readonly FrequencyRecency[]): BgNbdFit {
  if (customers.length < MIN_CUSTOMERS) {
    throw refuse("too_few_customers", `BG/NBD needs at least ${MIN_CUSTOMERS} customers; there are ${customers.length}`, {
      customers: customers.length,
      minimum: MIN_CUSTOMERS,
    });
  }
  const repeat = customers.filter((c) => c.frequency > 0).length;
  if (repeat < MIN_REPEAT_CUSTOMERS) {
    throw refuse(
      "too_few_repeat_customers",
      `BG/NBD needs at least ${MIN_REPEAT_CUSTOMERS} customers who bought again; there are ${repeat}`,
      { repeatCustomers: repeat, minimum: MIN_REPEAT_CUSTOMERS },
    );
  }
  // Start alpha at the mean age, so the start is the same in days as in weeks (alpha scales with time).
  const meanT = customers.reduce((s, c) => s + c.T, 0) / customers.length;
  const groups = compress(customers, historyKey);
  const fit = fitPositive(
    "BG/NBD",
    ["r", "alpha", "a", "b"],
    [1, meanT > 0 ? meanT : 1, 1, 1],
    ([r, alpha, a, b]) => sumBgNbd({ r, alpha, a, b } as BgNbdParameters, groups),
    customers.length,
  );
  const [r, alpha, a, b] = fit.params as [number, number, number, number];
  return { ...fit, params: { r, alpha, a, b } };
}

/** The removable singularity at a = 1 (the (a + b + x - 1)/(a - 1) factor): evaluated as the mean either side. */
const A_NEAR_ONE = 1e-7;
const A_STEP = 1e-5;

function finiteOrRefuse(value: number, what: string): number {
  if (!Number.isFinite(value)) throw refuse("not_finite", `${what} is not finite for these parameters`);
  return value;
}

/**
 * (a + b + x - 1)/(a - 1) x [1 - (1 - z)^(a - 1) 2F1(a + b - 1 - r, a - 1; a + b + x - 1; z)]: FHL 2005 eq. 10's
 * numerator after Euler's transformation 2F1(A, B; C; z) = (1 - z)^(C - A - B) 2F1(C - A, C - B; C; z) applied
 * to 2F1(r + x, b + x; a + b + x - 1; z), with (1 - z) = (alpha + T)/(alpha + T + t). The transformed
 * parameters do not grow with x, so the series stays tame for heavy buyers (lifetimes switches to the same
 * identity when the direct form overflows).
 */
function expectedIfAlive(params: BgNbdParameters, x: number, z: number): number {
  const { r, a, b } = params;
  const at = (aa: number) => {
    const c = aa + b + x - 1;
    return (c / (aa - 1)) * (1 - (1 - z) ** (aa - 1) * hyp2f1(aa + b - 1 - r, aa - 1, c, z));
  };
  if (Math.abs(a - 1) < A_NEAR_ONE) return (at(1 - A_STEP) + at(1 + A_STEP)) / 2;
  return at(a);
}

function checkHistory(customer: FrequencyRecency): void {
  const { frequency: x, recency: tx, T } = customer;
  if (!(Number.isInteger(x) && x >= 0 && tx >= 0 && T >= tx && (x > 0 || tx === 0) && Number.isFinite(T))) {
    throw new DomainError(
      "validation_error",
      "A history needs an integer frequency >= 0 and 0 <= recency <= T (recency 0 when frequency is 0)",
      {
        ...customer,
      },
    );
  }
}

/**
 * P(alive | x, t_x, T) (Fader, Hardie & Lee 2008, "Computing P(alive) using the BG/NBD model", brucehardie.com
 * note 021): 1 / (1 + [x > 0] a/(b + x - 1) ((alpha + T)/(alpha + t_x))^(r + x)), evaluated through the log of
 * the second term so it never overflows. A customer with no repeat purchase is alive with probability 1 (the
 * BG/NBD lets a customer drop out only just after a purchase).
 */
export function bgnbdProbabilityAlive(params: BgNbdParameters, customer: FrequencyRecency): number {
  checkHistory(customer);
  const { r, alpha, a, b } = params;
  const { frequency: x, recency: tx, T } = customer;
  if (x === 0) return 1;
  const logOdds = Math.log(a / (b + x - 1)) + (r + x) * Math.log((alpha + T) / (alpha + tx));
  return finiteOrRefuse(1 / (1 + Math.exp(logOdds)), "P(alive)");
}

/**
 * E[Y(t) | x, t_x, T]: expected purchases in the next t time units of a customer with this history (FHL 2005
 * eq. 10) = expectedIfAlive x P(alive), with the 2F1 argument z = t/(alpha + T + t) in [0, 1).
 */
export function bgnbdConditionalExpectedTransactions(params: BgNbdParameters, t: number, customer: FrequencyRecency): number {
  checkHistory(customer);
  if (!(t >= 0 && Number.isFinite(t))) throw new DomainError("validation_error", "t must be a finite time >= 0", { t });
  if (t === 0) return 0;
  const z = t / (params.alpha + customer.T + t);
  const value = expectedIfAlive(params, customer.frequency, z) * bgnbdProbabilityAlive(params, customer);
  return finiteOrRefuse(value, "E[Y(t) | x, t_x, T]");
}

/**
 * E[X(t)]: expected repeat purchases in (0, t] of a customer just acquired (FHL 2005 eq. 9),
 * (a + b - 1)/(a - 1) [1 - (alpha/(alpha + t))^r 2F1(r, b; a + b - 1; t/(alpha + t))], which is eq. 10 with
 * x = t_x = T = 0, so it shares its numerically safe form.
 */
export function bgnbdExpectedTransactions(params: BgNbdParameters, t: number): number {
  if (!(t >= 0 && Number.isFinite(t))) throw new DomainError("validation_error", "t must be a finite time >= 0", { t });
  if (t === 0) return 0;
  return finiteOrRefuse(expectedIfAlive(params, 0, t / (params.alpha + t)), "E[X(t)]");
}

// ---------------------------------------------------------------------------------------------------------
// Gamma-Gamma

export interface GammaGammaParameters {
  p: number;
  q: number;
  /** Scale of the spend distribution, in money units (the literature's gamma). */
  v: number;
}

/** A repeat customer's x and mean repeat spend as the Gamma-Gamma uses them. */
export interface FrequencySpend {
  frequency: number;
  monetaryValue: number;
}

/**
 * One repeat customer's Gamma-Gamma log-likelihood (Fader & Hardie 2013, note 025, eq. 1a: the density of the
 * mean spend mbar of x transactions):
 *   ln L = -lnB(p x, q) + q ln v + (p x - 1) ln mbar + p x ln x - (p x + q) ln(v + x mbar).
 */
export function gammaGammaLogLikelihoodOf(params: GammaGammaParameters, customer: FrequencySpend): number {
  const { p, q, v } = params;
  const { frequency: x, monetaryValue: m } = customer;
  const px = p * x;
  return -betaln(px, q) + q * Math.log(v) + (px - 1) * Math.log(m) + px * Math.log(x) - (px + q) * Math.log(v + x * m);
}

function sumGammaGamma(params: GammaGammaParameters, groups: readonly Weighted<FrequencySpend>[]): number {
  const { p, q, v } = params;
  // -lnB(p x, q) + p x ln x depends on x alone: computed once per distinct x (the same sum as
  // gammaGammaLogLikelihoodOf, term for term).
  const perX = new Map<number, number>();
  const qLogV = q * Math.log(v);
  let sum = 0;
  for (const { value: c, weight } of groups) {
    const x = c.frequency;
    const px = p * x;
    let head = perX.get(x);
    if (head === undefined) {
      head = -betaln(px, q) + px * Math.log(x);
      perX.set(x, head);
    }
    sum += weight * (head + qLogV + (px - 1) * Math.log(c.monetaryValue) - (px + q) * Math.log(v + x * c.monetaryValue));
  }
  return sum;
}

const spendKey = (c: FrequencySpend) => `${c.frequency}|${c.monetaryValue}`;

/** The Gamma-Gamma log-likelihood summed over repeat customers. */
export function gammaGammaLogLikelihood(params: GammaGammaParameters, customers: readonly FrequencySpend[]): number {
  return sumGammaGamma(params, compress(customers, spendKey));
}

/** The customers the Gamma-Gamma learns from: at least one repeat purchase and a positive mean repeat spend. */
export function spendModelCustomers<C extends FrequencySpend>(customers: readonly C[]): C[] {
  return customers.filter((c) => c.frequency > 0 && c.monetaryValue > 0 && Number.isFinite(c.monetaryValue));
}

export interface GammaGammaFit extends FitStatistics {
  params: GammaGammaParameters;
}

/**
 * Maximum-likelihood Gamma-Gamma estimates over the repeat customers (x >= 1, mean repeat spend > 0; others are
 * left out, as in Hardie's note). Refuses (422) fewer than MIN_REPEAT_CUSTOMERS of them, runaway estimates,
 * and q <= 1, where the population's mean spend v p/(q - 1) is infinite.
 */
export function fitGammaGamma(customers: readonly FrequencySpend[]): GammaGammaFit {
  const repeat = spendModelCustomers(customers);
  if (repeat.length < MIN_REPEAT_CUSTOMERS) {
    throw refuse(
      "too_few_repeat_customers",
      `The spend model needs at least ${MIN_REPEAT_CUSTOMERS} customers who bought again for a positive amount; there are ${repeat.length}`,
      { repeatCustomers: repeat.length, minimum: MIN_REPEAT_CUSTOMERS },
    );
  }
  // Start v at the mean spend so the start does not depend on the currency's unit.
  const meanSpend = repeat.reduce((s, c) => s + c.monetaryValue, 0) / repeat.length;
  const groups = compress(repeat, spendKey);
  const fit = fitPositive(
    "Gamma-Gamma",
    ["p", "q", "v"],
    [1, 1, meanSpend],
    ([p, q, v]) => sumGammaGamma({ p, q, v } as GammaGammaParameters, groups),
    repeat.length,
  );
  const [p, q, v] = fit.params as [number, number, number];
  if (!(q > 1)) {
    throw refuse(
      "infinite_mean_spend",
      `The spend model's q is ${q.toFixed(3)} (<= 1): the mean spend per purchase is not finite`,
      {
        q,
      },
    );
  }
  return { ...fit, params: { p, q, v } };
}

/**
 * E[M | x, mbar]: expected spend per purchase of a customer with x repeat purchases averaging mbar (Fader &
 * Hardie 2013, eq. 5) = (p (v + x mbar))/(p x + q - 1), a weighted mean of the population's mean v p/(q - 1)
 * and the customer's own mbar. With x = 0 it is the population's mean.
 */
export function gammaGammaExpectedSpend(params: GammaGammaParameters, customer: FrequencySpend): number {
  const { p, q, v } = params;
  const x = customer.frequency;
  const m = x > 0 ? customer.monetaryValue : 0;
  return finiteOrRefuse((p * (v + x * m)) / (p * x + q - 1), "E[M | x, mbar]");
}

// ---------------------------------------------------------------------------------------------------------
// CLV

export interface ClvOptions {
  /** Horizon in months (whole months, default 12). */
  months?: number;
  /** Discount rate per month (default 0.01, lifetimes' default). */
  monthlyDiscountRate?: number;
  /** The summary's time unit, for the month length (UNITS_PER_MONTH); ignored when unitsPerMonth is given. */
  timeUnit?: TimeUnit;
  /** Model time units in a month, overriding the time unit's default. */
  unitsPerMonth?: number;
}

/**
 * The discounted expected number of purchases over the next `months` months (the BG/NBD half of CLV):
 *   sum over i = 1..months of (E[Y(i k) | x, t_x, T] - E[Y((i - 1) k) | x, t_x, T]) / (1 + d)^i
 * with k the time units per month and d the monthly discount rate: each month's expected purchases,
 * discounted at the month's end.
 */
export function discountedExpectedTransactions(
  frequencyModel: BgNbdParameters,
  customer: FrequencyRecency,
  options: ClvOptions = {},
): number {
  const months = options.months ?? 12;
  const d = options.monthlyDiscountRate ?? 0.01;
  const k = options.unitsPerMonth ?? UNITS_PER_MONTH[options.timeUnit ?? "days"];
  if (!(Number.isInteger(months) && months >= 0)) {
    throw new DomainError("validation_error", "months must be a whole number >= 0", { months });
  }
  if (!(d > -1 && Number.isFinite(d))) throw new DomainError("validation_error", "the discount rate must be > -1", { d });
  if (!(k > 0 && Number.isFinite(k))) throw new DomainError("validation_error", "a month must be a positive time", { k });
  let total = 0;
  let before = 0;
  for (let i = 1; i <= months; i += 1) {
    const upTo = bgnbdConditionalExpectedTransactions(frequencyModel, i * k, customer);
    total += (upTo - before) / (1 + d) ** i;
    before = upTo;
  }
  return finiteOrRefuse(total, "discounted expected purchases");
}

/**
 * Discounted expected value of a customer's purchases over the next `months` months, as lifetimes'
 * `customer_lifetime_value` computes it (lifetimes.utils._customer_lifetime_value):
 *   CLV = E[M | x, mbar] x sum over i = 1..months of (E[Y(i k) | x, t_x, T] - E[Y((i - 1) k) | x, t_x, T]) / (1 + d)^i
 * i.e. each month's expected purchases (BG/NBD, conditional on the history) times the expected spend per
 * purchase (Gamma-Gamma), discounted at the month's end; k = time units per month (UNITS_PER_MONTH: 30 days
 * or 4.345 weeks, lifetimes' factors), d = the monthly discount rate (0.01 by default, about 12.7% a year).
 */
export function customerLifetimeValue(
  frequencyModel: BgNbdParameters,
  spendModel: GammaGammaParameters,
  customer: FrequencyRecency & FrequencySpend,
  options: ClvOptions = {},
): number {
  const value = gammaGammaExpectedSpend(spendModel, customer) * discountedExpectedTransactions(frequencyModel, customer, options);
  return finiteOrRefuse(value, "CLV");
}
