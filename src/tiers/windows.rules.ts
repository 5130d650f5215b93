import type { TierPolicy } from "../db/schema.ts";
import { localTime } from "../shared/local-time.ts";
import { bottomOf, type LadderTier, type TierState } from "./ladder.rules.ts";

/**
 * Tier time: the window the metric is counted over, when a tier is next reviewed, when a grace
 * ends, and the windows a review or the end of a grace looks at.
 */

/** A span of time the metric is counted over: (from, to], from null meaning no lower bound. */
export interface MetricWindow {
  from: Date | null;
  to: Date;
}

/** The window the metric is counted over as of `at`. */
export function windowAt(policy: TierPolicy, at: Date, timezone: string): MetricWindow {
  switch (policy.window.type) {
    case "lifetime":
      return { from: null, to: at };
    case "rolling_months":
      return { from: localTime(at, timezone).minus({ months: policy.window.months }).toJSDate(), to: at };
    case "calendar_year":
      return {
        from: localTime(new Date(at.getTime() - 1), timezone)
          .startOf("year")
          .toJSDate(),
        to: at,
      };
  }
}

/**
 * When a tier reached or kept at `start` is next reviewed: one period later; for calendar-year
 * windows, at the end of the calendar year in which that period ends (so a tier reached in June
 * 2026 with a 12-month period lasts through 2027 and is reviewed on 1 January 2028, on 2027's
 * metric).
 */
export function reviewDateAfter(policy: TierPolicy, start: Date, timezone: string): Date {
  const end = localTime(start, timezone).plus({ months: policy.periodMonths });
  if (policy.window.type !== "calendar_year") return end.toJSDate();
  return localTime(new Date(end.toJSDate().getTime() - 1), timezone)
    .startOf("year")
    .plus({ years: 1 })
    .toJSDate();
}

export const graceEnd = (policy: TierPolicy, reviewAt: Date, timezone: string): Date =>
  localTime(reviewAt, timezone).plus({ days: policy.graceDays }).toJSDate();

/** The review date a tier gets when reached or kept at `at` (the bottom tier is never reviewed). */
export function reviewFor(ladder: LadderTier[], tier: LadderTier, policy: TierPolicy, at: Date, timezone: string): Date | null {
  return tier.rank === bottomOf(ladder)?.rank ? null : reviewDateAfter(policy, at, timezone);
}

/** What a decision due at `at` counts the metric over. */
export interface DecisionWindows {
  /** The review's own window, windowAt(reviewAt). */
  atReview: MetricWindow;
  /** At the end of a grace: windowAt(graceUntil), and the review's window extended to the end of grace. */
  atGraceEnd: MetricWindow | null;
  sinceReview: MetricWindow | null;
}

export const endsGrace = (state: TierState, at: Date) => state.graceUntil !== null && at >= state.graceUntil;

/** The windows a decision of `state` due at `at` (see decisionAt) looks at. */
export function decisionWindows(policy: TierPolicy, state: TierState, at: Date, timezone: string): DecisionWindows {
  if (!endsGrace(state, at) || !state.graceUntil)
    return { atReview: windowAt(policy, at, timezone), atGraceEnd: null, sinceReview: null };
  const atReview = windowAt(policy, state.reviewAt ?? at, timezone);
  return {
    atReview,
    atGraceEnd: windowAt(policy, state.graceUntil, timezone),
    sinceReview: { from: atReview.from, to: state.graceUntil },
  };
}

/** Where requalifying in grace counts from: the start of the window of the review that began it. */
export function keepWindowFrom(policy: TierPolicy, state: TierState, timezone: string): Date | null {
  return state.reviewAt ? windowAt(policy, state.reviewAt, timezone).from : null;
}
