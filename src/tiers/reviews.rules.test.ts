import { describe, expect, it } from "vitest";
import { BRONZE, CALENDAR, d, GOLD, LADDER, PLATINUM, policy, SILVER, state, TZ } from "../../test/helpers/tier-fixtures.ts";
import type { TierPolicy } from "../db/schema.ts";
import { NO_TIER, type TierState } from "./ladder.rules.ts";
import { decisionAt, nextDecision, reviewStep, settleReviews } from "./reviews.rules.ts";
import { decisionWindows } from "./windows.rules.ts";

describe("reviewStep: what a review, or the end of a grace, decides", () => {
  const R = d("2027-06-15T16:00:00Z");
  const G = d("2027-07-15T16:00:00Z");
  const gold = state(GOLD.id, { since: d("2026-06-15T16:00:00Z"), reviewAt: R });
  const goldInGrace = { ...gold, graceUntil: G };

  it.each([
    [
      "at review, metric at the retain threshold: retained, a period on",
      gold,
      policy(),
      800,
      { reason: "retained", tierId: GOLD.id, since: gold.since, reviewAt: d("2028-06-15T16:00:00Z"), graceUntil: null },
    ],
    [
      "at review, short with grace days: grace until review + 30 days, tier kept",
      gold,
      policy(),
      799,
      { reason: "grace", tierId: GOLD.id, since: gold.since, reviewAt: R, graceUntil: G },
    ],
    [
      "at review, short without grace: down to what the metric reaches (Silver)",
      gold,
      policy({ graceDays: 0 }),
      600,
      { reason: "downgraded", tierId: SILVER.id, since: R, reviewAt: d("2028-06-15T16:00:00Z"), graceUntil: null },
    ],
    [
      "at review, short without grace, below every threshold: Bronze, no more reviews",
      gold,
      policy({ graceDays: 0 }),
      100,
      { reason: "downgraded", tierId: BRONZE.id, since: R, reviewAt: null, graceUntil: null },
    ],
    [
      "at review, Silver's retain 400 but not its threshold 500: Bronze (dropping goes by thresholds)",
      gold,
      policy({ graceDays: 0 }),
      450,
      { reason: "downgraded", tierId: BRONZE.id, since: R, reviewAt: null, graceUntil: null },
    ],
    [
      "at review, above a higher threshold (a lowered ladder): up",
      gold,
      policy(),
      2600,
      { reason: "qualified", tierId: PLATINUM.id, since: R, reviewAt: d("2028-06-15T16:00:00Z"), graceUntil: null },
    ],
    [
      "at the end of grace, requalified: retained, a period after the review",
      goldInGrace,
      policy(),
      850,
      { reason: "retained", tierId: GOLD.id, since: gold.since, reviewAt: d("2028-06-15T16:00:00Z"), graceUntil: null },
    ],
    [
      "at the end of grace, still short: down, since and review from the end of grace",
      goldInGrace,
      policy(),
      700,
      { reason: "downgraded", tierId: SILVER.id, since: G, reviewAt: d("2028-07-15T16:00:00Z"), graceUntil: null },
    ],
  ])("%s", (_name, from, p, metric, expected) => {
    const step = reviewStep(
      "m",
      LADDER,
      p,
      from,
      nextDecision(from),
      { atReview: metric, atGraceEnd: metric, sinceReview: metric },
      TZ,
    );
    const { reason, ...after } = expected;
    expect(step && { reason: step.reason, ...step.state }).toEqual({ reason, ...after, locked: false });
    expect(step?.at).toEqual(nextDecision(from));
    expect(step?.review).toBe(true);
  });

  it.each([
    ["locked", { ...gold, locked: true }],
    ["bottom tier (never reviewed)", state(BRONZE.id, { since: R })],
    ["no tier of record", NO_TIER],
  ])("nothing is due for a member %s", (_name, s) => {
    expect(nextDecision(s)).toBeNull();
    expect(decisionAt(LADDER, policy(), s, TZ)).toBeNull();
    expect(reviewStep("m", LADDER, policy(), s, decisionAt(LADDER, policy(), s, TZ), { atReview: 0 }, TZ)).toBeNull();
  });

  it("a member on a tier no longer on the ladder goes to what the metric reaches", () => {
    const step = reviewStep("m", LADDER, policy(), state("tie_gone", { reviewAt: R }), R, { atReview: 600 }, TZ);
    expect(step).toMatchObject({ reason: "downgraded", from: "tie_gone", to: SILVER.id });
  });

  describe("the end of a grace", () => {
    const calendarGold = state(GOLD.id, {
      since: d("2026-06-10T16:00:00Z"),
      reviewAt: d("2028-01-01T05:00:00Z"),
      graceUntil: d("2028-01-31T05:00:00Z"),
    });
    const decideAt = (s: TierState, p: TierPolicy, metrics: { atReview: number; atGraceEnd: number; sinceReview: number }) =>
      reviewStep("m", LADDER, p, s, nextDecision(s), metrics, TZ);

    it("looks at the review's window, the window at its end, and the review's window extended to its end", () => {
      expect(decisionWindows(CALENDAR, calendarGold, d("2028-01-31T05:00:00Z"), TZ)).toEqual({
        atReview: { from: d("2027-01-01T05:00:00Z"), to: d("2028-01-01T05:00:00Z") },
        atGraceEnd: { from: d("2028-01-01T05:00:00Z"), to: d("2028-01-31T05:00:00Z") },
        sinceReview: { from: d("2027-01-01T05:00:00Z"), to: d("2028-01-31T05:00:00Z") },
      });
      expect(decisionWindows(CALENDAR, { ...calendarGold, graceUntil: null }, d("2028-01-01T05:00:00Z"), TZ)).toEqual({
        atReview: { from: d("2027-01-01T05:00:00Z"), to: d("2028-01-01T05:00:00Z") },
        atGraceEnd: null,
        sinceReview: null,
      });
    });

    it.each([
      [
        "a Silver year, a quiet January: Silver (not Bronze)",
        { atReview: 600, atGraceEnd: 0, sinceReview: 600 },
        "downgraded",
        SILVER,
      ],
      ["a Bronze year, a Silver January: Silver", { atReview: 100, atGraceEnd: 550, sinceReview: 650 }, "downgraded", SILVER],
      [
        "the year and January together reach the retain threshold: kept",
        { atReview: 600, atGraceEnd: 200, sinceReview: 800 },
        "retained",
        GOLD,
      ],
      ["nothing anywhere: Bronze", { atReview: 0, atGraceEnd: 0, sinceReview: 0 }, "downgraded", BRONZE],
    ])("%s", (_name, metrics, reason, tier) => {
      const step = decideAt(calendarGold, CALENDAR, metrics);
      expect(step && [step.reason, step.to, step.at.toISOString()]).toEqual([reason, tier.id, "2028-01-31T05:00:00.000Z"]);
    });

    it("a rolling window that dropped its oldest purchases meanwhile: lands on what the review saw", () => {
      // 6 months, Gold retained at 800: 1000 on 15 January and 600 on 1 February; reviewed on 15 July.
      const rolling = policy({ window: { type: "rolling_months", months: 6 }, periodMonths: 6, graceDays: 30 });
      const inGrace = state(GOLD.id, {
        since: d("2026-01-15T17:00:00Z"),
        reviewAt: d("2026-07-15T16:00:00Z"),
        graceUntil: d("2026-08-14T16:00:00Z"),
      });
      const metrics = settleReviews("m", LADDER, rolling, inGrace, d("2026-09-01T00:00:00Z"), TZ, (w) =>
        // (15 Jan, 15 Jul] holds both purchases but 15 January's; (14 Feb, 14 Aug] holds none.
        w.from && w.from >= d("2026-02-01T17:00:00Z") ? 0 : 600,
      );
      expect(metrics.transitions.map((t) => [t.reason, t.to, t.metric])).toEqual([["downgraded", SILVER.id, 600]]);
    });
  });

  describe("decisionAt: the safety net for ladder changes that raced an event", () => {
    const since = d("2026-02-01T16:59:59Z");
    const removed = new Map([["tie_gone", d("2026-02-01T17:00:00Z")]]);

    it("a tier removed from the ladder is decided when it was removed, or when the member got it if later", () => {
      const gone = state("tie_gone", { since, reviewAt: d("2026-08-01T16:59:59Z") });
      expect(decisionAt(LADDER, policy(), gone, TZ, removed)).toEqual(d("2026-02-01T17:00:00Z"));
      const after = { ...gone, since: d("2026-02-01T17:00:01Z") };
      expect(decisionAt(LADDER, policy(), after, TZ, removed)).toEqual(d("2026-02-01T17:00:01Z"));
      expect(decisionAt(LADDER, policy(), { ...gone, locked: true }, TZ, removed)).toBeNull();
    });

    it("a tier above the bottom without a review date is reviewed one period after it was reached", () => {
      expect(decisionAt(LADDER, policy(), state(SILVER.id, { since }), TZ)).toEqual(d("2027-02-01T16:59:59Z"));
      expect(decisionAt(LADDER, policy(), state(BRONZE.id, { since }), TZ)).toBeNull();
    });
  });
});

describe("settleReviews: every review due by a time, in order", () => {
  /** Metrics by the end of the window counted. */
  const metrics = (byTime: Record<string, number>) => (w: { to: Date }) => byTime[w.to.toISOString()] ?? 0;

  it("review, grace, downgrade, then the lower tier's own review a period later", () => {
    const gold = state(GOLD.id, { since: d("2026-06-15T16:00:00Z"), reviewAt: d("2027-06-15T16:00:00Z") });
    const { state: after, transitions } = settleReviews(
      "m",
      LADDER,
      policy(),
      gold,
      d("2028-08-01T00:00:00Z"),
      TZ,
      metrics({ "2027-06-15T16:00:00.000Z": 700, "2027-07-15T16:00:00.000Z": 700, "2028-07-15T16:00:00.000Z": 350 }),
    );
    expect(transitions.map((t) => [t.reason, t.at.toISOString(), t.to, t.metric])).toEqual([
      ["grace", "2027-06-15T16:00:00.000Z", GOLD.id, 700],
      ["downgraded", "2027-07-15T16:00:00.000Z", SILVER.id, 700],
      ["grace", "2028-07-15T16:00:00.000Z", SILVER.id, 350],
    ]);
    expect(after).toEqual({
      tierId: SILVER.id,
      since: d("2027-07-15T16:00:00Z"),
      reviewAt: d("2028-07-15T16:00:00Z"),
      graceUntil: d("2028-08-14T16:00:00Z"),
      locked: false,
    });
  });

  it("nothing before it falls due", () => {
    const gold = state(GOLD.id, { reviewAt: d("2027-06-15T16:00:00Z") });
    expect(settleReviews("m", LADDER, policy(), gold, d("2027-06-15T15:59:59Z"), TZ, () => 0).transitions).toEqual([]);
  });

  it("calendar-year reviews look at the year that ended", () => {
    const gold = state(GOLD.id, { since: d("2026-06-15T16:00:00Z"), reviewAt: d("2028-01-01T05:00:00Z") });
    const { transitions } = settleReviews("m", LADDER, CALENDAR, gold, d("2028-01-02T00:00:00Z"), TZ, () => 900);
    expect(transitions.map((t) => [t.reason, t.state.reviewAt?.toISOString()])).toEqual([
      ["retained", "2029-01-01T05:00:00.000Z"],
    ]);
  });
});
