import binomial from "@stdlib/random-base-binomial";
import mt19937 from "@stdlib/random-base-mt19937";
import normalCdf from "@stdlib/stats-base-dists-normal-cdf";
import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";
import tCdf from "@stdlib/stats-base-dists-t-cdf";
import tQuantile from "@stdlib/stats-base-dists-t-quantile";

/**
 * Campaign lift, with no I/O: a campaign's audience is split into treated and holdout members by
 * a hash of (campaign, member) (`holdoutBucket`), so the two groups are a random split and their
 * difference in conversion and in spend per member is the campaign's effect. Each figure carries
 * a 95% interval and a two-sided p-value; distributions come from @stdlib.
 */

export const ALPHA = 0.05;
/** Fewer members than this in either group: too small to conclude (the usual rule of thumb for a t-test's normal approximation). */
export const MIN_GROUP_MEMBERS = 30;
/** Fewer expected buyers or non-buyers than this in a group (pooled rate x members): too small for the z-test. */
export const MIN_EXPECTED_COUNT = 5;
export const BOOTSTRAP_SEED = 20_260_413;
export const BOOTSTRAP_RESAMPLES = 2_000;
/** Draws per bootstrap at most (resamples x members), so a large audience takes fewer resamples, never minutes. */
export const BOOTSTRAP_MAX_DRAWS = 20_000_000;
export const BOOTSTRAP_MIN_RESAMPLES = 200;

export type Interval = [number, number];

/** A group's figures over the window; spend in minor units, each member's spend net of returns (0 if they bought nothing). */
export interface GroupFigures {
  members: number;
  buyers: number;
  purchases: number;
  spend: number;
  /** Sample variance (n - 1) of spend per member; null with fewer than two members. */
  spendVariance: number | null;
}

export interface ProportionTest {
  difference: number;
  ci: Interval;
  z: number;
  pValue: number;
}

/**
 * Two-proportion z-test of x1/n1 against x0/n0: z with the pooled rate under H0 (p1 = p0), the
 * interval for p1 - p0 with each group's own rate (Wald). Null when a group is empty or everyone
 * (or no one) converted in both, where the pooled standard error is zero.
 */
export function twoProportionTest(x1: number, n1: number, x0: number, n0: number, alpha = ALPHA): ProportionTest | null {
  if (n1 <= 0 || n0 <= 0) return null;
  const p1 = x1 / n1;
  const p0 = x0 / n0;
  const pooled = (x1 + x0) / (n1 + n0);
  const sePooled = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0));
  if (sePooled === 0) return null;
  const z = (p1 - p0) / sePooled;
  const se = Math.sqrt((p1 * (1 - p1)) / n1 + (p0 * (1 - p0)) / n0);
  const q = normalQuantile(1 - alpha / 2, 0, 1);
  return { difference: p1 - p0, ci: [p1 - p0 - q * se, p1 - p0 + q * se], z, pValue: 2 * normalCdf(-Math.abs(z), 0, 1) };
}

export interface MeanSummary {
  n: number;
  mean: number;
  variance: number;
}

export interface WelchTest {
  difference: number;
  ci: Interval;
  t: number;
  df: number;
  pValue: number;
  /** Standard error of the difference. */
  se: number;
}

/**
 * Welch's t-test of mean(a) - mean(b) from each group's size, mean and sample variance (what
 * aggregate SQL answers), with the Welch-Satterthwaite degrees of freedom; the same figures as
 * @stdlib/stats-ttest2 on the raw values (the test checks it). Null with fewer than two in a group
 * or no variance in either.
 */
export function welchTest(a: MeanSummary, b: MeanSummary, alpha = ALPHA): WelchTest | null {
  if (a.n < 2 || b.n < 2) return null;
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se = Math.sqrt(va + vb);
  if (!(se > 0)) return null;
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const difference = a.mean - b.mean;
  const t = difference / se;
  const q = tQuantile(1 - alpha / 2, df);
  return { difference, ci: [difference - q * se, difference + q * se], t, df, pValue: 2 * tCdf(-Math.abs(t), df), se };
}

/**
 * Relative lift mean(a) / mean(b) - 1 with its interval by the delta method (the ratio's variance
 * from both means' variances, independent groups): var ~ va / mb^2 + ma^2 vb / mb^4. Null when
 * mean(b) is 0 (no baseline to be relative to).
 */
export function relativeLift(ma: number, varMeanA: number, mb: number, varMeanB: number, alpha = ALPHA) {
  if (mb === 0) return null;
  const lift = ma / mb - 1;
  const se = Math.sqrt(varMeanA / mb ** 2 + (ma ** 2 * varMeanB) / mb ** 4);
  const q = normalQuantile(1 - alpha / 2, 0, 1);
  return { lift, ci: [lift - q * se, lift + q * se] as Interval };
}

/** How many resamples a bootstrap of this many members takes: 2,000, fewer for a large audience (at least 200). */
export const bootstrapResamples = (members: number) =>
  Math.max(BOOTSTRAP_MIN_RESAMPLES, Math.min(BOOTSTRAP_RESAMPLES, Math.floor(BOOTSTRAP_MAX_DRAWS / Math.max(1, members))));

export interface BootstrapInterval {
  resamples: number;
  seed: number;
  /** Percentile interval of mean(treated) - mean(holdout). */
  difference: Interval;
  /** Percentile interval of mean(treated) / mean(holdout) - 1; null when a resample's holdout mean is 0. */
  lift: Interval | null;
}

/**
 * A group's values as a bootstrap resamples them: the list itself, or (a large group where most
 * members spent nothing) the values that are not 0 and how many 0s there are besides. Both stand
 * for the same list, and give the same interval for the same seed.
 */
export type Sample = readonly number[] | { values: readonly number[]; zeros: number };

/** How many values a sample stands for. */
export const sampleSize = (s: Sample) => ("zeros" in s ? s.values.length + s.zeros : s.length);

/**
 * A sample's values other than 0, ascending, as one typed array for the resampling loop: the one
 * form both shapes of Sample reduce to, so either gives the same draws.
 */
function nonZero(s: Sample): Float64Array {
  const values = "zeros" in s ? s.values : s;
  return Float64Array.from(values.filter((v) => v !== 0)).sort();
}

/**
 * A percentile bootstrap interval for the difference in mean spend (and the relative lift):
 * each resample draws each group with replacement at its own size, from a Mersenne Twister seeded
 * with `seed`, so the same data always gives the same interval. The bounds are the
 * floor(B x alpha/2)-th and ceil(B x (1 - alpha/2))-th of the B sorted resampled differences.
 * Spend per member is heavy-tailed (most members spend 0, a few a lot), where the t interval's
 * normal approximation is weakest. Null when a group is empty.
 *
 * A resample of n members of whom m spent something (not 0) draws how many of its n draws land on
 * one of them, k ~ Binomial(n, m / n), and then k of the m with replacement; the other n - k drew a
 * 0 and add nothing. That is exactly the distribution of n draws from all n members (each draw is a
 * spender with probability m / n, independently, and then a uniform one of them), with m + 1 draws
 * instead of n per resample: at 1M members of whom 40% bought nothing in a window, 40% fewer random
 * reads of a smaller array (bench/README.md, campaign results at 10M purchases).
 */
export function bootstrapMeanDifference(
  treated: Sample,
  holdout: Sample,
  options: { seed?: number; resamples?: number; alpha?: number } = {},
): BootstrapInterval | null {
  const nt = sampleSize(treated);
  const nh = sampleSize(holdout);
  if (nt === 0 || nh === 0) return null;
  const seed = options.seed ?? BOOTSTRAP_SEED;
  const resamples = options.resamples ?? bootstrapResamples(nt + nh);
  const alpha = options.alpha ?? ALPHA;
  // The generator carries `normalized` (its draws on [0, 1), the same state), which its types omit.
  const random = mt19937.factory({ seed }) as ReturnType<typeof mt19937.factory> & { normalized: () => number };
  // The binomial draws take their uniforms from the same seeded stream.
  const spenders = binomial.factory({ prng: random.normalized });
  const resampledMean = (values: Float64Array, n: number) => {
    const m = values.length;
    if (m === 0) return 0;
    const k = m === n ? n : spenders(n, m / n);
    let sum = 0;
    // An MT19937 draw is a 32-bit unsigned integer: scaled to an index in [0, m).
    for (let i = 0; i < k; i++) sum += values[Math.floor((random() / 4_294_967_296) * m)] ?? 0;
    return sum / n;
  };
  const treatedAt = nonZero(treated);
  const holdoutAt = nonZero(holdout);
  const differences: number[] = [];
  const lifts: number[] = [];
  let liftDefined = true;
  for (let b = 0; b < resamples; b++) {
    const mt = resampledMean(treatedAt, nt);
    const mh = resampledMean(holdoutAt, nh);
    differences.push(mt - mh);
    if (mh === 0) liftDefined = false;
    else lifts.push(mt / mh - 1);
  }
  const bounds = (values: number[]): Interval => {
    const sorted = [...values].sort((x, y) => x - y);
    const lo = sorted[Math.max(0, Math.floor(resamples * (alpha / 2)) - 1)] ?? Number.NaN;
    const hi = sorted[Math.min(resamples, Math.ceil(resamples * (1 - alpha / 2))) - 1] ?? Number.NaN;
    return [lo, hi];
  };
  return { resamples, seed, difference: bounds(differences), lift: liftDefined ? bounds(lifts) : null };
}

export type Verdict = "lift" | "drop" | "not_significant" | "too_small" | "no_holdout";

/**
 * What the results allow one to say, and why, in one line:
 * - no_holdout: the campaign holds no one out, so nothing to compare with;
 * - too_small: fewer than MIN_GROUP_MEMBERS members in a group, or fewer than MIN_EXPECTED_COUNT
 *   expected buyers or non-buyers in a group under the pooled rate (the z-test's approximation);
 * - lift / drop: spend per member differs with p < 0.05 by Welch's test and the bootstrap interval
 *   (when there is one) does not span zero;
 * - not_significant: otherwise (an interval spans zero).
 */
export function verdictOf(input: {
  holdoutPercent: number;
  treated: GroupFigures;
  holdout: GroupFigures;
  spend: WelchTest | null;
  bootstrap: Interval | null;
}): { verdict: Verdict; reason: string } {
  const { treated, holdout, spend, bootstrap } = input;
  if (input.holdoutPercent === 0) {
    return {
      verdict: "no_holdout",
      reason: "Lift needs a holdout: this campaign holds no one out, so only reach, points, cost and before/after are shown",
    };
  }
  const small = [treated, holdout].some((g) => g.members < MIN_GROUP_MEMBERS);
  if (small) {
    return {
      verdict: "too_small",
      reason: `Too small to conclude: ${treated.members} treated and ${holdout.members} held out; each group needs at least ${MIN_GROUP_MEMBERS} members`,
    };
  }
  const pooled = (treated.buyers + holdout.buyers) / (treated.members + holdout.members);
  const expected = [treated, holdout].flatMap((g) => [g.members * pooled, g.members * (1 - pooled)]);
  if (expected.some((e) => e < MIN_EXPECTED_COUNT)) {
    return {
      verdict: "too_small",
      reason: `Too small to conclude: fewer than ${MIN_EXPECTED_COUNT} buyers (or non-buyers) expected in a group at the overall rate of ${(pooled * 100).toFixed(1)}%`,
    };
  }
  if (!spend) return { verdict: "not_significant", reason: "Not significant: spend per member does not vary in either group" };
  const spansZero = (ci: Interval) => ci[0] <= 0 && ci[1] >= 0;
  const p = spend.pValue < 0.0001 ? "p < 0.0001" : `p = ${spend.pValue.toFixed(4)}`;
  if (spend.pValue >= ALPHA || spansZero(spend.ci)) {
    return { verdict: "not_significant", reason: `Not significant: spend per member could be equal in both groups (${p})` };
  }
  // The verdict is Welch's alone, so a campaign reads the same in the list (no bootstrap) and on
  // its own page; a bootstrap interval that disagrees (heavy tails) is said beside it.
  const caution =
    bootstrap !== null && spansZero(bootstrap)
      ? "; but the bootstrap interval, which allows for a few big spenders, includes no difference: treat it with caution"
      : "";
  return spend.difference > 0
    ? { verdict: "lift", reason: `Treated members spent more per member than held-out ones (${p})${caution}` }
    : { verdict: "drop", reason: `Treated members spent less per member than held-out ones (${p})${caution}` };
}

/** Minor units of a point cost, rounded half away from zero to the minor unit (a point value may be fractional). */
export const pointCost = (points: number, pointValue: number) => {
  const exact = points * pointValue;
  return Math.sign(exact) * Math.round(Math.abs(exact));
};

/** Cost per unit of incremental revenue (both minor units): 0.25 = 25 cents of points per incremental dollar; null unless revenue rose. */
export const costPerIncrementalRevenue = (cost: number, incrementalRevenue: number | null) =>
  incrementalRevenue !== null && incrementalRevenue > 0 ? cost / incrementalRevenue : null;
