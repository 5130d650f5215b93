import mt19937 from "@stdlib/random-base-mt19937";
import ttest2 from "@stdlib/stats-ttest2";
import { describe, expect, it } from "vitest";
import {
  bootstrapMeanDifference,
  bootstrapResamples,
  costPerIncrementalRevenue,
  type GroupFigures,
  pointCost,
  relativeLift,
  twoProportionTest,
  verdictOf,
  welchTest,
} from "./campaign-lift.rules.ts";

const summary = (values: number[]) => {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return { n: values.length, mean, variance: values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1) };
};

describe("two-proportion z-test", () => {
  it("reproduces a published example: B. Gerstman, StatPrimer (San José State University), exercise key 9B.16", () => {
    // "Drug testing student athletes": p1 = 5/95 = 0.05263, p2 = 12/62 = 0.1935; "zstat = 2.78; P = 0.0054 (two-tailed)".
    // By hand: pooled p = 17/157 = 0.10828; SE0 = sqrt(0.10828 x 0.89172 x (1/62 + 1/95)) = sqrt(0.096556 x 0.026655)
    //   = 0.050732; z = (0.193548 - 0.052632) / 0.050732 = 2.7777; p = 2 (1 - Phi(2.7777)) = 0.00547.
    const test = twoProportionTest(12, 62, 5, 95);
    expect(test?.z).toBeCloseTo(2.78, 2);
    expect(test?.pValue).toBeCloseTo(0.0054, 3);
    expect(test?.difference).toBeCloseTo(0.140917, 6);
    // Wald interval: 0.140917 +- 1.959964 x sqrt(0.193548 x 0.806452 / 62 + 0.052632 x 0.947368 / 95) = +- 1.959964 x sqrt(0.0025175 + 0.0005249) = +- 1.959964 x 0.0551579.
    expect(test?.ci[0]).toBeCloseTo(0.140917 - 1.959964 * 0.0551579, 5);
    expect(test?.ci[1]).toBeCloseTo(0.140917 + 1.959964 * 0.0551579, 5);
  });

  it("reproduces Agresti, Franklin & Klingenberg, Statistics: The Art & Science of Learning from Data (5th ed.), ch. 10 example 5", () => {
    // 5 of 88 vs 154 of 619 (the book's R code: prop.test(c(5, 154), c(88, 619), correct = FALSE)).
    // pooled = 159/707 = 0.224894; SE0 = sqrt(0.224894 x 0.775106 x (1/88 + 1/619)) = 0.047566;
    // z = (0.056818 - 0.248788) / 0.047566 = -4.036 (X-squared = z^2 = 16.29); p = 2 Phi(-4.036) = 5.4e-5.
    const test = twoProportionTest(5, 88, 154, 619);
    expect(test?.z).toBeCloseTo(-4.036, 3);
    expect((test?.z ?? 0) ** 2).toBeCloseTo(16.29, 2);
    expect(test?.pValue).toBeGreaterThan(5.0e-5);
    expect(test?.pValue).toBeLessThan(5.8e-5);
  });

  it.each([
    ["an empty group", 0, 0, 3, 10],
    ["no one converted anywhere (no variation)", 0, 10, 0, 10],
    ["everyone converted everywhere", 10, 10, 10, 10],
  ])("answers nothing with %s", (_name, x1, n1, x0, n0) => {
    expect(twoProportionTest(x1, n1, x0, n0)).toBeNull();
  });
});

describe("Welch's t-test from group summaries", () => {
  // R's t.test() on these two samples (as printed in the Cross Validated answer "Welch's t-test confidence
  // interval", stats.stackexchange.com): "t = -1.8325, df = 17.9, p-value = 0.08356;
  // 95 percent confidence interval: -2.1469104 0.1469104; mean of x 10.4, mean of y 11.4".
  const ts1 = [11, 9, 10, 11, 10, 12, 9, 11, 12, 9];
  const ts2 = [11, 13, 10, 13, 12, 9, 11, 12, 12, 11];

  it("reproduces R's t.test output", () => {
    // By hand: s1^2 = 12.4/9 = 1.37778, s2^2 = 14.4/9 = 1.6; SE = sqrt(0.137778 + 0.16) = 0.545690;
    // t = (10.4 - 11.4) / 0.545690 = -1.83254; df = 0.297778^2 / (0.137778^2/9 + 0.16^2/9) = 17.9003.
    const test = welchTest(summary(ts1), summary(ts2));
    expect(test?.t).toBeCloseTo(-1.8325, 4);
    expect(test?.df).toBeCloseTo(17.9, 1);
    expect(test?.pValue).toBeCloseTo(0.08356, 5);
    expect(test?.ci[0]).toBeCloseTo(-2.1469104, 6);
    expect(test?.ci[1]).toBeCloseTo(0.1469104, 6);
  });

  it("agrees with @stdlib/stats-ttest2 on the raw values", () => {
    const spends = [0, 0, 0, 1250, 0, 9900, 0, 300, 0, 0, 45_000, 0];
    const control = [0, 0, 800, 0, 0, 0, 1200, 0, 0, 0];
    const ours = welchTest(summary(spends), summary(control));
    const theirs = ttest2(spends, control);
    expect(ours?.t).toBeCloseTo(theirs.statistic, 10);
    expect(ours?.df).toBeCloseTo(theirs.df, 8);
    expect(ours?.pValue).toBeCloseTo(theirs.pValue, 10);
    expect(ours?.ci[0]).toBeCloseTo(theirs.ci[0] ?? Number.NaN, 6);
    expect(ours?.ci[1]).toBeCloseTo(theirs.ci[1] ?? Number.NaN, 6);
  });

  it.each([
    ["one member in a group", { n: 1, mean: 5, variance: 0 }, { n: 5, mean: 2, variance: 1 }],
    ["no variation in either", { n: 5, mean: 5, variance: 0 }, { n: 5, mean: 2, variance: 0 }],
  ])("answers nothing with %s", (_name, a, b) => {
    expect(welchTest(a, b)).toBeNull();
  });
});

describe("relative lift (delta method)", () => {
  it("is the ratio of means less one, its interval from both means' variances", () => {
    // 120 vs 100, var(mean) 16 and 9: se = sqrt(16/100^2 + 120^2 x 9/100^4) = sqrt(0.0016 + 0.001296) = 0.053814.
    const lift = relativeLift(120, 16, 100, 9);
    expect(lift?.lift).toBeCloseTo(0.2, 12);
    expect(lift?.ci[0]).toBeCloseTo(0.2 - 1.959964 * 0.0538145, 5);
    expect(lift?.ci[1]).toBeCloseTo(0.2 + 1.959964 * 0.0538145, 5);
    expect(relativeLift(5, 1, 0, 1)).toBeNull();
  });
});

describe("bootstrap of the difference in mean spend", () => {
  const treated = [0, 0, 0, 1250, 0, 9900, 0, 300, 0, 0, 45_000, 0, 0, 700];
  const holdout = [0, 0, 800, 0, 0, 0, 1200, 0, 0, 0, 0];

  it("gives the same interval for the same data and seed, another for another seed", () => {
    const a = bootstrapMeanDifference(treated, holdout);
    const b = bootstrapMeanDifference(treated, holdout);
    expect(a).toEqual(b);
    expect(a?.resamples).toBe(2_000);
    const other = bootstrapMeanDifference(treated, holdout, { seed: 7 });
    expect(other?.difference).not.toEqual(a?.difference);
  });

  it("brackets the observed difference, and is exact when nothing varies", () => {
    const observed = summary(treated).mean - summary(holdout).mean;
    const drawn = bootstrapMeanDifference(treated, holdout);
    expect(drawn?.difference[0]).toBeLessThan(observed);
    expect(drawn?.difference[1]).toBeGreaterThan(observed);
    const flat = bootstrapMeanDifference([5, 5, 5], [2, 2]);
    expect(flat?.difference).toEqual([3, 3]);
    expect(flat?.lift).toEqual([1.5, 1.5]);
  });

  it("gives the same interval for a group given as its values other than 0 and a count of zeros", () => {
    const apart = (values: number[]) => ({
      values: values.filter((v) => v !== 0).sort((x, y) => x - y),
      zeros: values.filter((v) => v === 0).length,
    });
    const sorted = (values: number[]) => [...values].sort((x, y) => x - y);
    expect(bootstrapMeanDifference(apart(treated), apart(holdout))).toEqual(
      bootstrapMeanDifference(sorted(treated), sorted(holdout)),
    );
    // A refund larger than the purchases (below 0) sorts before the zeros.
    const withNegative = [...treated, -400, -50];
    expect(bootstrapMeanDifference(apart(withNegative), apart(holdout), { seed: 3 })).toEqual(
      bootstrapMeanDifference(sorted(withNegative), sorted(holdout), { seed: 3 }),
    );
  });

  it("draws from the same distribution as n draws from every member, zeros included", () => {
    // The reference: the textbook bootstrap, n draws with replacement from all n values (a
    // different stream of the same generator). 4,000 members, 70% of them spent nothing and the
    // rest a heavy-tailed amount; 2,000 resamples of each. The two percentile intervals estimate
    // the same quantiles, so they agree to the resampling noise (about 2% of the width here).
    const draw = mt19937.factory({ seed: 11 });
    const spend = (n: number) =>
      Array.from({ length: n }, () => (draw() % 10 < 7 ? 0 : Math.round(1000 / (0.01 + draw() / 4_294_967_296))));
    const t = spend(3_000);
    const h = spend(1_000);
    const naive = mt19937.factory({ seed: 5 });
    const mean = (values: number[]) => {
      let sum = 0;
      for (let i = 0; i < values.length; i++) sum += values[Math.floor((naive() / 4_294_967_296) * values.length)] ?? 0;
      return sum / values.length;
    };
    const reference = Array.from({ length: 2_000 }, () => mean(t) - mean(h)).sort((x, y) => x - y);
    const [lo, hi] = [reference[49] ?? 0, reference[1_949] ?? 0];
    const drawn = bootstrapMeanDifference(t, h);
    const width = hi - lo;
    expect(Math.abs((drawn?.difference[0] ?? 0) - lo)).toBeLessThan(0.05 * width);
    expect(Math.abs((drawn?.difference[1] ?? 0) - hi)).toBeLessThan(0.05 * width);
  });

  it("takes the 50th and 1,950th of 2,000 sorted differences", () => {
    // Treated [0, 1], holdout [0]: a resampled treated mean is 0, 0.5 or 1 (about 500, 1,000 and 500 of
    // 2,000), so the 50th sorted difference is 0 and the 1,950th is 1; the holdout's mean is always 0 (no lift).
    const drawn = bootstrapMeanDifference([0, 1], [0], { resamples: 2_000 });
    expect(drawn?.difference).toEqual([0, 1]);
    expect(drawn?.lift).toBeNull();
  });

  it.each([
    [1_000, 2_000],
    [10_000, 2_000],
    [100_000, 200],
    [1_000_000, 200],
    [50_000, 400],
  ])("draws fewer resamples for a large audience: %i members -> %i", (members, resamples) => {
    expect(bootstrapResamples(members)).toBe(resamples);
  });
});

describe("verdict", () => {
  const group = (members: number, buyers: number): GroupFigures => ({
    members,
    buyers,
    purchases: buyers,
    spend: 0,
    spendVariance: null,
  });
  const significant = { difference: 120, ci: [40, 200] as [number, number], t: 3, df: 80, pValue: 0.004, se: 40 };
  it.each([
    ["no holdout", 0, group(100, 20), group(0, 0), significant, null, "no_holdout"],
    ["29 held out", 10, group(300, 60), group(29, 6), significant, null, "too_small"],
    ["2 buyers expected in the holdout (17/340 x 40)", 10, group(300, 15), group(40, 2), significant, null, "too_small"],
    ["p = 0.004 and both intervals above 0", 10, group(300, 60), group(40, 8), significant, [10, 250], "lift"],
    ["the same, negative", 10, group(300, 60), group(40, 8), { ...significant, difference: -120, ci: [-200, -40] }, null, "drop"],
    ["p = 0.2", 10, group(300, 60), group(40, 8), { ...significant, pValue: 0.2, ci: [-20, 260] }, null, "not_significant"],
    // Welch decides (as in the list, which has no bootstrap); the reason carries the bootstrap's caution.
    ["the bootstrap interval spans 0", 10, group(300, 60), group(40, 8), significant, [-5, 250], "lift"],
    ["no variation", 10, group(300, 60), group(40, 8), null, null, "not_significant"],
  ] as const)("%s: %s", (_name, holdoutPercent, treated, holdout, spend, bootstrap, verdict) => {
    const answer = verdictOf({
      holdoutPercent,
      treated,
      holdout,
      spend: spend && { ...spend, ci: [spend.ci[0], spend.ci[1]] },
      bootstrap: bootstrap ? [bootstrap[0], bootstrap[1]] : null,
    });
    expect(answer.verdict).toBe(verdict);
    expect(answer.reason.length).toBeGreaterThan(10);
    expect(answer.reason.includes("caution")).toBe(bootstrap !== null && bootstrap[0] <= 0);
  });
});

describe("cost", () => {
  it.each([
    [3, 0.5, 2],
    [-3, 0.5, -2],
    [1000, 1, 1000],
    [7, 0.25, 2],
  ])("%i points at %f minor units each cost %i (half away from zero)", (points, value, cost) => {
    expect(pointCost(points, value)).toBe(cost);
  });
  it("costs per incremental revenue only when revenue rose", () => {
    expect(costPerIncrementalRevenue(2500, 10_000)).toBe(0.25);
    expect(costPerIncrementalRevenue(2500, 0)).toBeNull();
    expect(costPerIncrementalRevenue(2500, -100)).toBeNull();
    expect(costPerIncrementalRevenue(2500, null)).toBeNull();
  });
});
