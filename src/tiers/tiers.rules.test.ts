import { describe, expect, it } from "vitest";
import type { TierPolicy } from "../db/schema.ts";
import {
  assign,
  type BatchMember,
  changeTime,
  decisionAt,
  decisionWindows,
  enrol,
  eventMetric,
  graceEnd,
  type LadderTier,
  NO_TIER,
  nextDecision,
  progressToNext,
  qualifiedTier,
  qualify,
  returnMetric,
  reviewDateAfter,
  reviewStep,
  settleReviews,
  TierProgress,
  type TierState,
  unlock,
  windowAt,
} from "./tiers.rules.ts";

const TZ = "America/New_York";
const d = (iso: string) => new Date(iso);

const tier = (
  rank: number,
  name: string,
  threshold: number,
  retainThreshold: number | null = null,
  earnMultiplier = 1,
): LadderTier => ({
  id: `tie_${name.toLowerCase()}`,
  name,
  rank,
  threshold,
  retainThreshold,
  earnMultiplier,
  pointsExpiry: null,
  benefits: [],
});
const BRONZE = tier(0, "Bronze", 0);
const SILVER = tier(1, "Silver", 500, 400);
const GOLD = tier(2, "Gold", 1000, 800, 1.5);
const PLATINUM = tier(3, "Platinum", 2500);
const LADDER = [BRONZE, SILVER, GOLD, PLATINUM];

const policy = (over: Partial<TierPolicy> = {}): TierPolicy => ({
  metric: "spend",
  window: { type: "rolling_months", months: 12 },
  periodMonths: 12,
  graceDays: 30,
  ...over,
});
const CALENDAR = policy({ window: { type: "calendar_year" } });

const state = (tierId: string | null, over: Partial<TierState> = {}): TierState => ({ ...NO_TIER, tierId, ...over });

describe("windowAt: what the metric counts, (from, to]", () => {
  it.each([
    ["rolling 12 months", policy(), "2026-06-15T16:00:00Z", "2025-06-15T16:00:00.000Z"],
    [
      "rolling 3 months across DST (local wall time kept)",
      policy({ window: { type: "rolling_months", months: 3 } }),
      "2026-06-15T16:00:00Z",
      "2026-03-15T16:00:00.000Z",
    ],
    ["calendar year, mid-year", CALENDAR, "2026-06-15T16:00:00Z", "2026-01-01T05:00:00.000Z"],
    [
      "calendar year at the stroke of 1 January: the year that ended",
      CALENDAR,
      "2027-01-01T05:00:00Z",
      "2026-01-01T05:00:00.000Z",
    ],
    ["calendar year one millisecond later: the new year", CALENDAR, "2027-01-01T05:00:00.001Z", "2027-01-01T05:00:00.000Z"],
    ["lifetime", policy({ window: { type: "lifetime" } }), "2026-06-15T16:00:00Z", null],
  ])("%s", (_name, p, at, from) => {
    const w = windowAt(p, d(at), TZ);
    expect({ from: w.from?.toISOString() ?? null, to: w.to.toISOString() }).toEqual({ from, to: d(at).toISOString() });
  });
});

describe("reviewDateAfter: when a tier reached or kept is next reviewed", () => {
  it.each([
    ["rolling: one period later, programme time", policy(), "2026-06-15T16:00:00Z", "2027-06-15T16:00:00.000Z"],
    [
      "rolling, 6 months from 31 August (month end clamps)",
      policy({ periodMonths: 6 }),
      "2026-08-31T16:00:00Z",
      "2027-02-28T17:00:00.000Z",
    ],
    ["calendar year: 1 January after the year the period ends in", CALENDAR, "2026-06-15T16:00:00Z", "2028-01-01T05:00:00.000Z"],
    ["calendar year, kept at a review on 1 January: a year on", CALENDAR, "2028-01-01T05:00:00Z", "2029-01-01T05:00:00.000Z"],
    [
      "calendar year, 6-month period from 1 March: the end of that same year",
      { ...CALENDAR, periodMonths: 6 },
      "2026-03-01T05:00:00Z",
      "2027-01-01T05:00:00.000Z",
    ],
  ])("%s", (_name, p, start, expected) => {
    expect(reviewDateAfter(p, d(start), TZ).toISOString()).toBe(expected);
  });

  it("grace ends graceDays after the review, in programme days", () => {
    expect(graceEnd(policy({ graceDays: 30 }), d("2027-03-01T05:00:00Z"), TZ).toISOString()).toBe("2027-03-31T04:00:00.000Z");
  });
});

describe("qualifiedTier: the highest tier a metric reaches", () => {
  it.each([
    [0, "Bronze"],
    [499, "Bronze"],
    [500, "Silver"],
    [999, "Silver"],
    [1000, "Gold"],
    [2499, "Gold"],
    [2500, "Platinum"],
    [10_000_000, "Platinum"],
  ])("%i -> %s", (metric, name) => {
    expect(qualifiedTier(LADDER, metric)?.name).toBe(name);
  });
});

describe("enrolment and upgrades", () => {
  const now = d("2026-06-15T16:00:00Z");

  it("a member without a tier gets the bottom one, never reviewed", () => {
    expect(enrol("m", LADDER, NO_TIER, now)).toMatchObject({
      from: null,
      to: BRONZE.id,
      reason: "enrolment",
      state: { tierId: BRONZE.id, since: now, reviewAt: null, graceUntil: null, locked: false },
    });
    expect(enrol("m", LADDER, state(SILVER.id), now)).toBeNull();
    expect(enrol("m", [], NO_TIER, now)).toBeNull();
  });

  it.each([
    ["Bronze, 1200: straight to Gold (the highest reached)", state(BRONZE.id), 1200, "Gold", "qualified"],
    ["Bronze, 499: nothing", state(BRONZE.id), 499, null, null],
    ["Silver, 999: nothing", state(SILVER.id), 999, null, null],
    ["Gold, 400 (below its own threshold): never a downgrade outside a review", state(GOLD.id), 400, null, null],
    ["no tier of record, 600: Silver", NO_TIER, 600, "Silver", "qualified"],
    ["no tier of record, 10: nothing (the bottom tier comes by enrolment)", NO_TIER, 10, null, null],
    ["locked Silver, 3000: untouched", state(SILVER.id, { locked: true }), 3000, null, null],
    [
      "Gold in grace, 800 (its retain threshold): retained",
      state(GOLD.id, { reviewAt: d("2026-06-01T04:00:00Z"), graceUntil: d("2026-07-01T04:00:00Z") }),
      800,
      "Gold",
      "retained",
    ],
    [
      "Gold in grace, 799: still in grace",
      state(GOLD.id, { reviewAt: d("2026-06-01T04:00:00Z"), graceUntil: d("2026-07-01T04:00:00Z") }),
      799,
      null,
      null,
    ],
  ])("%s", (_name, from, metric, to, reason) => {
    const change = qualify("m", LADDER, policy(), from, metric, now, TZ);
    expect(change && { to: LADDER.find((t) => t.id === change.to)?.name, reason: change.reason }).toEqual(
      to === null ? null : { to, reason },
    );
  });

  it("an upgrade starts the tier now and sets its review one period on", () => {
    expect(qualify("m", LADDER, policy(), state(BRONZE.id), 1000, now, TZ)?.state).toEqual({
      tierId: GOLD.id,
      since: now,
      reviewAt: d("2027-06-15T16:00:00Z"),
      graceUntil: null,
      locked: false,
    });
  });

  it("requalifying in grace keeps the review cycle: the next review is one period after the one that started the grace", () => {
    const inGrace = state(GOLD.id, {
      since: d("2025-05-01T04:00:00Z"),
      reviewAt: d("2026-06-01T04:00:00Z"),
      graceUntil: d("2026-07-01T04:00:00Z"),
    });
    expect(qualify("m", LADDER, policy(), inGrace, 900, now, TZ)?.state).toEqual({
      ...inGrace,
      reviewAt: d("2027-06-01T04:00:00Z"),
      graceUntil: null,
    });
  });
});

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

  it("changeTime: never before the member's last change", () => {
    const now = d("2026-03-02T16:00:01Z");
    expect(changeTime(now, null)).toEqual(now);
    expect(changeTime(now, d("2026-03-02T16:00:00Z"))).toEqual(now);
    expect(changeTime(now, d("2026-03-02T16:00:05Z"))).toEqual(d("2026-03-02T16:00:05Z"));
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

describe("manual assignment", () => {
  const now = d("2026-06-15T16:00:00Z");

  it("the tier the member holds keeps its since; locking it again when locked changes nothing", () => {
    const silver = state(SILVER.id, { since: d("2026-01-15T17:00:00Z"), reviewAt: d("2027-01-15T17:00:00Z") });
    const locked = assign("m", LADDER, policy(), silver, SILVER, true, now, TZ, "staff");
    expect(locked?.state).toEqual({ ...silver, reviewAt: null, locked: true });
    expect(locked && assign("m", LADDER, policy(), locked.state, SILVER, true, now, TZ, "again")).toBeNull();
    expect(locked && assign("m", LADDER, policy(), locked.state, GOLD, true, now, TZ, "up")?.state.since).toEqual(now);
  });

  it("locked: no review; unlocked: reviewed a period on", () => {
    expect(assign("m", LADDER, policy(), state(BRONZE.id), PLATINUM, true, now, TZ, "VIP")?.state).toEqual({
      tierId: PLATINUM.id,
      since: now,
      reviewAt: null,
      graceUntil: null,
      locked: true,
    });
    expect(assign("m", LADDER, policy(), state(BRONZE.id), GOLD, false, now, TZ, "trial")?.state.reviewAt).toEqual(
      d("2027-06-15T16:00:00Z"),
    );
  });

  it("unlocking keeps the tier and its since, and starts the period now", () => {
    const vip = state(PLATINUM.id, { since: d("2025-01-01T05:00:00Z"), locked: true });
    expect(unlock("m", LADDER, policy(), vip, now, TZ, "no longer VIP")).toMatchObject({
      reason: "unlocked",
      note: "no longer VIP",
      state: { tierId: PLATINUM.id, since: d("2025-01-01T05:00:00Z"), reviewAt: d("2027-06-15T16:00:00Z"), locked: false },
    });
    expect(unlock("m", LADDER, policy(), state(GOLD.id), now, TZ, "x")).toBeNull();
  });
});

describe("the metric of events", () => {
  it.each([
    ["points_earned", { type: "purchase", amount: 5000, points: 50 }, 50],
    ["points_earned", { type: "review", amount: null, points: 20 }, 20],
    ["spend", { type: "purchase", amount: 5000, points: 50 }, 5000],
    ["spend", { type: "review", amount: null, points: 20 }, 0],
    ["purchases", { type: "purchase", amount: 5000, points: 50 }, 1],
    ["purchases", { type: "signup", amount: null, points: 100 }, 0],
  ] as const)("%s of %o: %i", (metric, event, expected) => {
    expect(eventMetric(metric, event)).toBe(expected);
  });

  it.each([
    ["points_earned", { pointsTakenBack: 12, amount: 1200, completesReturn: false }, -12],
    ["spend", { pointsTakenBack: 12, amount: 1200, completesReturn: false }, -1200],
    ["purchases", { pointsTakenBack: 12, amount: 1200, completesReturn: false }, 0],
    ["purchases", { pointsTakenBack: 12, amount: 1200, completesReturn: true }, -1],
  ] as const)("a return of %s %o: %i", (metric, ret, expected) => {
    expect(returnMetric(metric, ret)).toBe(expected);
  });
});

describe("TierProgress: tiers carried through a batch", () => {
  const now = d("2026-06-15T16:00:00Z");

  const member = (s: TierState, metric: number, over: Partial<BatchMember> = {}): BatchMember => ({
    state: s,
    metric,
    keep: null,
    lastChange: null,
    ...over,
  });

  it("an event that reaches a threshold upgrades the member for the events after it", () => {
    const progress = new TierProgress(LADDER, policy(), TZ, now, new Map([["m", member(state(SILVER.id), 900)]]));
    expect(progress.factsTier("m")).toMatchObject({ name: "Silver", earnMultiplier: 1 });
    const clone = progress.clone();
    expect(progress.add("m", 99, [now])).toEqual([]);
    expect(progress.add("m", 1, [now])).toMatchObject([{ reason: "qualified", from: SILVER.id, to: GOLD.id, metric: 1000 }]);
    expect(progress.factsTier("m")).toMatchObject({ name: "Gold", earnMultiplier: 1.5 });
    expect(progress.add("m", -600, [now])).toEqual([]);
    expect(progress.factsTier("m")?.name).toBe("Gold");
    expect(progress.changedStates().get("m")?.tierId).toBe(GOLD.id);
    // A clone is its own: the first pass of a batch cannot leak into the second.
    expect(clone.factsTier("m")?.name).toBe("Silver");
    expect(clone.transitions).toEqual([]);
  });

  it("an event outside the window adds nothing; a change is dated no earlier than the member's last", () => {
    const last = d("2026-06-15T16:00:05Z");
    const progress = new TierProgress(
      LADDER,
      policy(),
      TZ,
      now,
      new Map([["m", member(state(SILVER.id), 900, { lastChange: last })]]),
    );
    expect(progress.add("m", 500, [d("2025-01-01T00:00:00Z")])).toEqual([]);
    expect(progress.add("m", 100, [now])).toMatchObject([{ to: GOLD.id, at: last, state: { since: last } }]);
  });

  it("in grace, requalifying counts the review's window extended to now", () => {
    const inGrace = state(GOLD.id, { reviewAt: d("2026-06-01T04:00:00Z"), graceUntil: d("2026-07-01T04:00:00Z") });
    const keep = { from: d("2025-06-01T04:00:00Z"), value: 700 };
    const progress = new TierProgress(LADDER, CALENDAR, TZ, now, new Map([["m", member(inGrace, 0, { keep })]]));
    // Before this calendar year: outside the window as of now, inside the review's.
    expect(progress.add("m", 50, [d("2025-12-01T00:00:00Z")])).toEqual([]);
    expect(progress.add("m", 50, [now])).toMatchObject([{ reason: "retained", metric: 800 }]);
  });

  it("counts what occurred in the window as of now", () => {
    const progress = new TierProgress(LADDER, policy(), TZ, now, new Map());
    expect(progress.counts(d("2025-06-15T16:00:00.001Z"))).toBe(true);
    expect(progress.counts(d("2025-06-15T16:00:00Z"))).toBe(false);
    expect(progress.counts(now)).toBe(true);
    expect(progress.counts(d("2026-06-15T16:00:00.001Z"))).toBe(false);
    expect(progress.factsTier("unknown")).toBeNull();
  });
});

describe("progressToNext", () => {
  it.each([
    [BRONZE, 250, { next: "Silver", percentToNext: 50, amountToNext: 250 }],
    [SILVER, 999, { next: "Gold", percentToNext: 99, amountToNext: 1 }],
    [SILVER, 1200, { next: "Gold", percentToNext: 100, amountToNext: 0 }],
    [PLATINUM, 5000, { next: null, percentToNext: null, amountToNext: null }],
  ])("%o at %i", (current, metric, expected) => {
    const p = progressToNext(LADDER, current, metric);
    expect({ next: p.nextTier?.name ?? null, percentToNext: p.percentToNext, amountToNext: p.amountToNext }).toEqual(expected);
  });
});
