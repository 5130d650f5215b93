import { DateTime } from "luxon";
import type { ExpiryPolicy, TierChangeReason, TierMetric, TierPolicy } from "../db/schema.ts";

/**
 * Tiers, with no I/O: where a member stands on the ladder, given the tier state of record and the
 * qualifying metric at the times that matter. The event pipeline, the jobs and the status read all
 * decide through these functions, so a review applied late (by the jobs, or in memory by a read)
 * comes out the same as one applied on time.
 *
 * Semantics, in one place:
 * - The metric over a window as of `t` counts events in (from, t]. rolling_months: from = t - N
 *   months; calendar_year: from = the start of the calendar year (programme time) holding the
 *   instant just before t, so at the stroke of 1 January the window is the whole year that ended;
 *   lifetime: no lower bound.
 * - Upgrade as soon as the metric reaches a higher tier's threshold, to the highest one reached:
 *   since = then, review = reviewDateAfter(then).
 * - Downgrade only at a review. At review_at the tier is kept if the metric reaches its retain
 *   threshold (retained, next review one period on); else with grace days the member keeps it in
 *   grace until review_at + graceDays. Requalifying meanwhile keeps it (next review one period
 *   after review_at), counted over the review's window extended to now, (windowAt(review_at).from,
 *   now]: the grace adds time to the review's window, it does not replace it. At the end of grace
 *   (or at once without grace) the member drops to the highest tier reached by the metric at the
 *   review or at the end of grace, whichever is higher (downgraded, since and review from then).
 * - The bottom tier is never reviewed (nothing to drop to); a locked member is never changed but
 *   by hand.
 * - No change of a member is dated before their last one (the clock an event read may be older
 *   than a change written while it waited for the member's lock): see changeTime().
 */

export interface LadderTier {
  id: string;
  name: string;
  rank: number;
  threshold: number;
  retainThreshold: number | null;
  earnMultiplier: number;
  pointsExpiry: ExpiryPolicy | null;
  benefits: string[];
}

/** A member's tier of record (the members row, or a tier_changes row as of some time). */
export interface TierState {
  tierId: string | null;
  since: Date | null;
  reviewAt: Date | null;
  graceUntil: Date | null;
  locked: boolean;
}

export interface TierTransition {
  memberId: string;
  from: string | null;
  to: string | null;
  reason: TierChangeReason;
  /** The qualifying metric the decision was made on (null for manual changes). */
  metric: number | null;
  /** When it took effect: a review is dated when it fell due, whoever applied it and when. */
  at: Date;
  /** The state after the change. */
  state: TierState;
  note: string | null;
  /** Decided by a review (or the end of a grace), not by an event or by hand. */
  review: boolean;
}

/** The outbox type announcing every tier change (webhooks and notifications read it). */
export const TIER_CHANGED = "member.tier_changed";

export const NO_TIER: TierState = { tierId: null, since: null, reviewAt: null, graceUntil: null, locked: false };

const local = (at: Date, timezone: string) => DateTime.fromJSDate(at, { zone: timezone });

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
      return { from: local(at, timezone).minus({ months: policy.window.months }).toJSDate(), to: at };
    case "calendar_year":
      return {
        from: local(new Date(at.getTime() - 1), timezone)
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
  const end = local(start, timezone).plus({ months: policy.periodMonths });
  if (policy.window.type !== "calendar_year") return end.toJSDate();
  return local(new Date(end.toJSDate().getTime() - 1), timezone)
    .startOf("year")
    .plus({ years: 1 })
    .toJSDate();
}

export const graceEnd = (policy: TierPolicy, reviewAt: Date, timezone: string): Date =>
  local(reviewAt, timezone).plus({ days: policy.graceDays }).toJSDate();

/** The metric needed to keep a tier at its review. */
export const retainOf = (tier: LadderTier): number => tier.retainThreshold ?? tier.threshold;

export const bottomOf = (ladder: LadderTier[]): LadderTier | null => ladder[0] ?? null;

/** The highest tier a metric reaches (the bottom one at least). `ladder` is ordered bottom first. */
export function qualifiedTier(ladder: LadderTier[], metric: number): LadderTier | null {
  let best = bottomOf(ladder);
  for (const tier of ladder) if (tier.threshold <= metric) best = tier;
  return best;
}

/** The tier a state holds on this ladder; a member with none (or on a removed tier) stands on the bottom one. */
export function effectiveTier(ladder: LadderTier[], state: TierState): LadderTier | null {
  return ladder.find((t) => t.id === state.tierId) ?? bottomOf(ladder);
}

/** When the tier of record must next be decided (a review, or the end of a grace), if ever. */
export function nextDecision(state: TierState): Date | null {
  if (state.locked || state.tierId === null) return null;
  return state.graceUntil ?? state.reviewAt;
}

/**
 * When a state must next be decided on this ladder: nextDecision(), with a safety net for ladder
 * changes that raced an event (PUT /v1/tiers takes no programme-wide lock): a member left on a
 * tier removed from the ladder is decided when it was removed (or when they got it, if later), and
 * one left on a tier above the bottom without a review date is reviewed one period after they got
 * it. Both come from stored data only, so reads, events and the jobs decide them alike.
 */
export function decisionAt(
  ladder: LadderTier[],
  policy: TierPolicy,
  state: TierState,
  timezone: string,
  removedAt: ReadonlyMap<string, Date> = new Map(),
): Date | null {
  const due = nextDecision(state);
  if (state.locked || state.tierId === null) return null;
  const removed = removedAt.get(state.tierId);
  if (removed) {
    const at = state.since && state.since > removed ? state.since : removed;
    return due && due < at ? due : at;
  }
  if (due || ladder.length === 0 || state.tierId === bottomOf(ladder)?.id || !state.since) return due;
  return reviewDateAfter(policy, state.since, timezone);
}

/**
 * When a change decided at `at` takes effect: never before the member's last change. On a tie the
 * later written comes last, by id (ids are time-sortable and taken after the member's lock).
 */
export const changeTime = (at: Date, lastChange: Date | null): Date => (lastChange && lastChange > at ? lastChange : at);

/** What a decision due at `at` counts the metric over. */
export interface DecisionWindows {
  /** The review's own window, windowAt(reviewAt). */
  atReview: MetricWindow;
  /** At the end of a grace: windowAt(graceUntil), and the review's window extended to the end of grace. */
  atGraceEnd: MetricWindow | null;
  sinceReview: MetricWindow | null;
}

/** The metric over each of a decision's windows. */
export interface DecisionMetrics {
  atReview: number;
  atGraceEnd?: number;
  sinceReview?: number;
}

const endsGrace = (state: TierState, at: Date) => state.graceUntil !== null && at >= state.graceUntil;

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

/** The review date a tier gets when reached or kept at `at` (the bottom tier is never reviewed). */
function reviewFor(ladder: LadderTier[], tier: LadderTier, policy: TierPolicy, at: Date, timezone: string): Date | null {
  return tier.rank === bottomOf(ladder)?.rank ? null : reviewDateAfter(policy, at, timezone);
}

function transition(
  memberId: string,
  state: TierState,
  to: TierState,
  reason: TierChangeReason,
  metric: number | null,
  at: Date,
  note: string | null = null,
): TierTransition {
  return { memberId, from: state.tierId, to: to.tierId, reason, metric, at, state: to, note, review: false };
}

/** A member with no tier gets the bottom one (enrolment, or the first time tiers see them). */
export function enrol(memberId: string, ladder: LadderTier[], state: TierState, at: Date): TierTransition | null {
  const bottom = bottomOf(ladder);
  if (!bottom || state.tierId !== null) return null;
  return transition(
    memberId,
    state,
    { tierId: bottom.id, since: at, reviewAt: null, graceUntil: null, locked: false },
    "enrolment",
    null,
    at,
  );
}

/**
 * What the metric as of `at` changes outside a review: an upgrade to the highest tier it reaches
 * above the current one, or, for a member in grace, requalifying (retained; the next review is one
 * period after the review that started the grace). `sinceReview` is the metric over the review's
 * window extended to `at` (from keepWindowFrom()), what requalifying counts; without it, `metric`
 * (a narrower window: never more lenient). Locked members are never changed.
 */
export function qualify(
  memberId: string,
  ladder: LadderTier[],
  policy: TierPolicy,
  state: TierState,
  metric: number,
  at: Date,
  timezone: string,
  sinceReview: number | null = null,
): TierTransition | null {
  if (state.locked || ladder.length === 0) return null;
  const current = effectiveTier(ladder, state);
  const target = qualifiedTier(ladder, metric);
  if (!current || !target) return null;
  if (target.rank > current.rank) {
    const to = {
      tierId: target.id,
      since: at,
      reviewAt: reviewFor(ladder, target, policy, at, timezone),
      graceUntil: null,
      locked: false,
    };
    return transition(memberId, state, to, "qualified", metric, at);
  }
  const keep = sinceReview ?? metric;
  if (state.graceUntil && state.reviewAt && state.tierId === current.id && keep >= retainOf(current)) {
    const to = { ...state, reviewAt: reviewFor(ladder, current, policy, state.reviewAt, timezone), graceUntil: null };
    return transition(memberId, state, to, "retained", keep, at);
  }
  return null;
}

/**
 * Decides the review (or the end of grace) that falls due at `at` (decisionAt()), given the metric
 * over its windows (decisionWindows()). Null when nothing is due.
 */
export function reviewStep(
  memberId: string,
  ladder: LadderTier[],
  policy: TierPolicy,
  state: TierState,
  at: Date | null,
  metrics: DecisionMetrics,
  timezone: string,
): TierTransition | null {
  const step = at && decide(memberId, ladder, policy, state, at, metrics, timezone);
  return step ? { ...step, review: true } : null;
}

function decide(
  memberId: string,
  ladder: LadderTier[],
  policy: TierPolicy,
  state: TierState,
  at: Date,
  metrics: DecisionMetrics,
  timezone: string,
): TierTransition | null {
  if (ladder.length === 0 || state.locked || state.tierId === null) return null;
  const current = ladder.find((t) => t.id === state.tierId);
  const graceEnds = endsGrace(state, at);
  // At the end of a grace the member lands on the higher of what the review's window and the
  // window now reach: a calendar year's grace runs into a January that holds little, and a rolling
  // window has dropped its oldest purchases meanwhile. Keeping counts both windows together.
  const reviewTier = qualifiedTier(ladder, metrics.atReview);
  const graceTier = graceEnds ? qualifiedTier(ladder, metrics.atGraceEnd ?? 0) : null;
  const target = graceTier && reviewTier && graceTier.rank > reviewTier.rank ? graceTier : reviewTier;
  if (!target) return null;
  const landing = graceEnds ? Math.max(metrics.atReview, metrics.atGraceEnd ?? 0) : metrics.atReview;
  const keep = graceEnds ? (metrics.sinceReview ?? metrics.atReview) : metrics.atReview;
  const moveTo = (tier: LadderTier, reason: TierChangeReason) =>
    transition(
      memberId,
      state,
      { tierId: tier.id, since: at, reviewAt: reviewFor(ladder, tier, policy, at, timezone), graceUntil: null, locked: false },
      reason,
      landing,
      at,
    );
  if (!current) return moveTo(target, "downgraded");
  if (target.rank > current.rank) return moveTo(target, "qualified");
  const review = graceEnds ? (state.reviewAt ?? at) : at;
  if (keep >= retainOf(current)) {
    return transition(
      memberId,
      state,
      { ...state, reviewAt: reviewFor(ladder, current, policy, review, timezone), graceUntil: null },
      "retained",
      keep,
      at,
    );
  }
  if (!graceEnds && policy.graceDays > 0) {
    return transition(memberId, state, { ...state, graceUntil: graceEnd(policy, review, timezone) }, "grace", keep, at);
  }
  return moveTo(target, "downgraded");
}

/**
 * Every review due up to `asOf`, in order, with the metric over each window from `metricOver`.
 * The service runs the same steps with metrics it reads from the database.
 */
export function settleReviews(
  memberId: string,
  ladder: LadderTier[],
  policy: TierPolicy,
  state: TierState,
  asOf: Date,
  timezone: string,
  metricOver: (window: MetricWindow) => number,
  removedAt: ReadonlyMap<string, Date> = new Map(),
): { state: TierState; transitions: TierTransition[] } {
  const transitions: TierTransition[] = [];
  let current = state;
  for (let due = decisionAt(ladder, policy, current, timezone, removedAt); due && due <= asOf; ) {
    const windows = decisionWindows(policy, current, due, timezone);
    const metrics = {
      atReview: metricOver(windows.atReview),
      ...(windows.atGraceEnd && { atGraceEnd: metricOver(windows.atGraceEnd) }),
      ...(windows.sinceReview && { sinceReview: metricOver(windows.sinceReview) }),
    };
    const step = reviewStep(memberId, ladder, policy, current, due, metrics, timezone);
    if (!step) break;
    transitions.push(step);
    current = step.state;
    due = decisionAt(ladder, policy, current, timezone, removedAt);
  }
  return { state: current, transitions };
}

/**
 * A manual assignment: `locked` keeps upgrades and reviews away until unlocked. The tier the member
 * already holds keeps its `since`. Null when nothing would change: locking again the tier a member
 * holds locked.
 */
export function assign(
  memberId: string,
  ladder: LadderTier[],
  policy: TierPolicy,
  state: TierState,
  tier: LadderTier,
  locked: boolean,
  at: Date,
  timezone: string,
  note: string,
): TierTransition | null {
  const same = state.tierId === tier.id;
  if (same && locked && state.locked) return null;
  const to = {
    tierId: tier.id,
    since: same ? (state.since ?? at) : at,
    reviewAt: locked ? null : reviewFor(ladder, tier, policy, at, timezone),
    graceUntil: null,
    locked,
  };
  return transition(memberId, state, to, "manual", null, at, note);
}

/** Unlocking: the tier stays, and the normal rules apply from now (its review one period on). */
export function unlock(
  memberId: string,
  ladder: LadderTier[],
  policy: TierPolicy,
  state: TierState,
  at: Date,
  timezone: string,
  note: string,
): TierTransition | null {
  const tier = effectiveTier(ladder, state);
  if (!state.locked || !tier) return null;
  const to = {
    tierId: tier.id,
    since: state.since ?? at,
    reviewAt: reviewFor(ladder, tier, policy, at, timezone),
    graceUntil: null,
    locked: false,
  };
  return transition(memberId, state, to, "unlocked", null, at, note);
}

// ---------------------------------------------------------------------------------------------
// The qualifying metric of events

/** What a (non-return) event adds to the metric. */
export function eventMetric(metric: TierMetric, event: { type: string; amount: number | null; points: number }): number {
  switch (metric) {
    case "points_earned":
      return event.points;
    case "spend":
      return event.type === "purchase" ? (event.amount ?? 0) : 0;
    case "purchases":
      return event.type === "purchase" ? 1 : 0;
  }
}

/** What a return takes off the metric: its points and amount, and the purchase once it is all returned. */
export function returnMetric(
  metric: TierMetric,
  ret: { pointsTakenBack: number; amount: number; completesReturn: boolean },
): number {
  switch (metric) {
    case "points_earned":
      return -ret.pointsTakenBack;
    case "spend":
      return -ret.amount;
    case "purchases":
      return ret.completesReturn ? -1 : 0;
  }
}

// ---------------------------------------------------------------------------------------------
// A batch of events

/** What the rules engine knows of a member's tier. */
export interface FactsTier {
  id: string;
  name: string;
  earnMultiplier: number;
  pointsExpiry: ExpiryPolicy | null;
}

/** A member of a batch, as tiers carry them from event to event. */
export interface BatchMember {
  state: TierState;
  /** The metric over the window as of the batch's `now`. */
  metric: number;
  /** In grace: the metric over the review's window extended to now, what requalifying counts. */
  keep: { from: Date | null; value: number } | null;
  /** When the member's last recorded change took effect: this batch's changes are dated after it. */
  lastChange: Date | null;
}

/**
 * The tiers of the members of one batch of events, carried from event to event: each event is
 * earned in the tier the member holds when it is processed, and what it adds to the metric may
 * upgrade the member for the events after it (in the same transaction). Metrics are as of `now`,
 * before the batch; changes are dated `now`, or just after the member's last change if that is
 * later (an event whose clock was read before a change written while it waited for the lock).
 */
export class TierProgress {
  readonly transitions: TierTransition[];
  readonly #members: Map<string, BatchMember>;
  readonly #from: Date | null;

  constructor(
    readonly ladder: LadderTier[],
    readonly policy: TierPolicy,
    readonly timezone: string,
    readonly now: Date,
    members: Map<string, BatchMember>,
    transitions: TierTransition[] = [],
  ) {
    this.#members = members;
    this.transitions = transitions;
    this.#from = windowAt(policy, now, timezone).from;
  }

  clone(): TierProgress {
    const members = new Map(
      [...this.#members].map(([id, m]) => [id, { ...m, keep: m.keep && { ...m.keep } }] as [string, BatchMember]),
    );
    return new TierProgress(this.ladder, this.policy, this.timezone, this.now, members, [...this.transitions]);
  }

  /** The member's tier for the rules engine, or null if tiers do not know the member. */
  factsTier(memberId: string): FactsTier | null {
    const member = this.#members.get(memberId);
    const tier = member ? effectiveTier(this.ladder, member.state) : null;
    return tier ? { id: tier.id, name: tier.name, earnMultiplier: tier.earnMultiplier, pointsExpiry: tier.pointsExpiry } : null;
  }

  #within(from: Date | null, occurred: Date[]): boolean {
    return occurred.every((at) => at <= this.now && (from === null || at > from));
  }

  /** Whether something that occurred at `at` counts in the window as of now. */
  counts(at: Date): boolean {
    return this.#within(this.#from, [at]);
  }

  /**
   * Adds to a member's metric what happened at `occurred` (an event's time; a return's and its
   * purchase's: both must fall in a window for it to count there), and applies what it qualifies
   * for; returns the new transitions.
   */
  add(memberId: string, delta: number, occurred: Date[]): TierTransition[] {
    const member = this.#members.get(memberId);
    if (!member || delta === 0) return [];
    if (this.#within(this.#from, occurred)) member.metric += delta;
    if (member.keep && this.#within(member.keep.from, occurred)) member.keep.value += delta;
    const at = changeTime(this.now, member.lastChange);
    const change = qualify(
      memberId,
      this.ladder,
      this.policy,
      member.state,
      member.metric,
      at,
      this.timezone,
      member.keep?.value ?? null,
    );
    if (!change) return [];
    member.state = change.state;
    member.keep = null;
    this.transitions.push(change);
    return [change];
  }

  /** Final state of every member some transition changed. */
  changedStates(): Map<string, TierState> {
    return new Map(this.transitions.map((t) => [t.memberId, t.state]));
  }
}

// ---------------------------------------------------------------------------------------------
// Status

export interface TierProgressView {
  nextTier: LadderTier | null;
  percentToNext: number | null;
  amountToNext: number | null;
}

/** Where a metric stands against the next tier up: percent (floor, capped at 100) and what is missing. */
export function progressToNext(ladder: LadderTier[], current: LadderTier | null, metric: number): TierProgressView {
  const next = current ? (ladder.find((t) => t.rank > current.rank) ?? null) : null;
  if (!next) return { nextTier: null, percentToNext: null, amountToNext: null };
  const percent = next.threshold === 0 ? 100 : Math.min(100, Math.floor((Math.max(0, metric) * 100) / next.threshold));
  return { nextTier: next, percentToNext: percent, amountToNext: Math.max(0, next.threshold - metric) };
}
