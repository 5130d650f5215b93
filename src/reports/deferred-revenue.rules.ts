/**
 * Deferred revenue for loyalty points (IFRS 15 B39-B43 and Illustrative Example 52; ASC 606-10-55-41
 * to 55-45 and 55-353 to 55-356), with no I/O. The service reads the ledger in aggregate; these
 * functions decide which redemption estimate is in force, allocate, recognise and round.
 *
 * The method, for a running programme:
 * - **Layers.** Points earned on purchases are grouped by the month (programme time) the purchase
 *   happened. A sale's price is split by relative stand-alone selling price when it happens (its
 *   occurredAt, however late it was posted): points' SSP = points x point value x the expected
 *   redemption rate in force then, goods' SSP = the purchase's net amount; allocated to points = net x SSP_points / (net +
 *   SSP_points). That allocation is fixed: a later estimate does not change it (Deloitte's roadmap
 *   11.10: a change in estimate affects recognition, not the amount allocated).
 * - **Recognition.** A redemption spends lots, and each lot names the earn that credited it, so the
 *   ledger says which layer every redeemed point came from. At any time T, for each layer:
 *   N = points issued in it still counted (redeemed + expired + still held; points taken back by a
 *   return, a reversal, a negative adjustment or moved by a transfer no longer count), R = redeemed
 *   from it, X = expired from it, r = the expected rate in force at T, and
 *     recognised to date = allocated x min(1, R / (N x r))
 *   (point movements count by when the ledger booked them), so revenue follows redemptions in
 *   proportion to the points expected to be redeemed, and a new estimate re-measures every layer
 *   at once: the difference shows in the period of the change (the cumulative catch-up of
 *   IFRS 15.IE270). Nothing is released before the ledger has credited a layer's points.
 * - **Breakage.** What cannot be redeemed any more is released: released to date = allocated x
 *   min(1, R / min(N x r, N - X)); breakage to date = released - recognised. It is zero while
 *   expiries stay within what the estimate expects, takes the excess when more expire than expected,
 *   and releases the rest of a layer once nothing of it is outstanding.
 * - **Rounding.** Every figure is exact until the end: per period boundary the totals to date are
 *   rounded once (half away from zero, to the minor unit) and each period is the difference of two
 *   rounded totals to date (cumulative rounding), so liability at end = liability at start +
 *   allocated - recognised - breakage holds to the minor unit in every period, and periods add up to
 *   the range. The layers table rounds each column by largest remainder so it adds up to the same
 *   totals.
 */

/** Minimum redeemed + expired points, and days since the first points were issued, for the history estimate. */
export const HISTORY_MIN_POINTS = 1000;
export const HISTORY_MIN_DAYS = 365;
const DAY_MS = 86_400_000;

export type EstimateSource = "finance" | "history" | "default";

/** A redemption estimate set by finance (a row of redemption_estimates). */
export interface FinanceEstimate {
  id: string;
  rate: number;
  effectiveFrom: string;
  /** Start of `effectiveFrom` in the programme's time zone. */
  start: Date;
  note: string | null;
  actor: string;
  createdAt: Date;
}

/** The programme's own history at an instant: points ever redeemed and expired (net), and when points were first issued. */
export interface HistoryAt {
  at: Date;
  redeemed: number;
  expired: number;
}

/** The expected redemption rate in force, and where it comes from. */
export interface RateInForce {
  rate: number;
  source: EstimateSource;
  /** For `finance`: the estimate's id, day and note. */
  estimateId: string | null;
  effectiveFrom: string | null;
  note: string | null;
  /** For `history` and `default`: what the history held when it was measured (the start of the month). */
  sample: { measuredAt: Date; redeemed: number; expired: number } | null;
  /** One sentence saying how the rate was chosen. */
  explanation: string;
}

/** Half away from zero to an integer (money in minor units). */
export function roundHalfAway(x: number): number {
  // The tiny nudge keeps a true half (2.5 computed as 2.4999999999999996) on the side it belongs to.
  const r = Math.round(Math.abs(x) + 1e-9);
  return x < 0 ? -r : r;
}

/** The history estimate at `h`: redeemed / (redeemed + expired), when the history is long and large enough. */
export function historyEstimate(h: HistoryAt, firstIssue: Date | null): RateInForce {
  const sample = { measuredAt: h.at, redeemed: h.redeemed, expired: h.expired };
  const settled = h.redeemed + h.expired;
  const days = firstIssue ? Math.floor((h.at.getTime() - firstIssue.getTime()) / DAY_MS) : 0;
  if (firstIssue && days >= HISTORY_MIN_DAYS && settled >= HISTORY_MIN_POINTS) {
    const rate = Math.round((h.redeemed / settled) * 10_000) / 10_000;
    return {
      rate,
      source: "history",
      estimateId: null,
      effectiveFrom: null,
      note: null,
      sample,
      explanation: `No estimate set by finance: the programme's own history, points redeemed / (redeemed + expired) = ${h.redeemed} / ${settled}, measured at the start of the month over ${days} days of points`,
    };
  }
  const short =
    !firstIssue || days < HISTORY_MIN_DAYS
      ? `${firstIssue ? days : 0} days of points, ${HISTORY_MIN_DAYS} needed`
      : `${settled} points redeemed or expired, ${HISTORY_MIN_POINTS} needed`;
  return {
    rate: 1,
    source: "default",
    estimateId: null,
    effectiveFrom: null,
    note: null,
    sample,
    explanation: `No estimate set by finance and the history is too short (${short}): every point is assumed to be redeemed, so no breakage is expected until there is one`,
  };
}

/** The finance estimate in force at `at`: the latest to take effect by then (of two on one day, the later made). */
export function financeEstimateAt(estimates: FinanceEstimate[], at: Date): FinanceEstimate | null {
  let best: FinanceEstimate | null = null;
  for (const e of estimates) {
    if (e.start > at) continue;
    if (!best || e.start > best.start || (e.start.getTime() === best.start.getTime() && e.createdAt >= best.createdAt)) best = e;
  }
  return best;
}

/**
 * The rate in force at `at`: finance's estimate if one has taken effect, else the history estimate
 * measured at the start of the month (`history`: measurements at month starts, oldest first), else 1.
 */
export function rateAt(at: Date, estimates: FinanceEstimate[], history: HistoryAt[], firstIssue: Date | null): RateInForce {
  const finance = financeEstimateAt(estimates, at);
  if (finance) {
    return {
      rate: finance.rate,
      source: "finance",
      estimateId: finance.id,
      effectiveFrom: finance.effectiveFrom,
      note: finance.note,
      sample: null,
      explanation: `Set by finance, in force from ${finance.effectiveFrom}`,
    };
  }
  let measured: HistoryAt = { at, redeemed: 0, expired: 0 };
  for (const h of history) if (h.at <= at) measured = h;
  return historyEstimate(measured, firstIssue);
}

/** The rate as a step function of time: from each break on, rates[i] (the first break is before any data). */
export function rateSteps(
  breaks: Date[],
  estimates: FinanceEstimate[],
  history: HistoryAt[],
  firstIssue: Date | null,
): { breaks: Date[]; rates: number[] } {
  const sorted = [...new Set(breaks.map((b) => b.getTime()))].sort((a, b) => a - b).map((t) => new Date(t));
  return { breaks: sorted, rates: sorted.map((b) => rateAt(b, estimates, history, firstIssue).rate) };
}

/** Points' share of a sale by relative stand-alone selling price (exact, not rounded). */
export function allocateToPoints(net: number, points: number, pointValue: number, rate: number): number {
  const ssp = points * pointValue * rate;
  return net + ssp > 0 ? (net * ssp) / (net + ssp) : 0;
}

/** A layer's state at one instant, all points net and to date. */
export interface LayerState {
  /** Allocated to its points (exact, minor units). */
  allocated: number;
  /** Points redeemed + expired + still held on its lots. */
  points: number;
  redeemed: number;
  expired: number;
}

/** Recognised and released (recognised + breakage) to date for one layer at rate `r` (exact). */
export function layerToDate(layer: LayerState, r: number): { recognised: number; released: number } {
  const { allocated: a, points: n, redeemed, expired } = layer;
  // Nothing to release before the ledger has credited the points (a purchase posted late).
  if (a === 0 || (n === 0 && redeemed === 0 && expired === 0)) return { recognised: 0, released: 0 };
  const expected = n * r;
  const recognisedShare = expected > 0 ? Math.min(1, redeemed / expected) : redeemed > 0 ? 1 : 0;
  const reachable = Math.min(expected, n - expired);
  const releasedShare = reachable > 0 ? Math.min(1, redeemed / reachable) : 1;
  const recognised = a * Math.max(0, recognisedShare);
  return { recognised, released: Math.max(recognised, a * Math.max(0, releasedShare)) };
}

/**
 * Integers that add up to `total` (the rounded sum of `values`), each the floor or ceiling of its
 * value: the units left after flooring go to the largest remainders (ties: the earlier).
 */
export function largestRemainder(values: number[], total: number): number[] {
  const floors = values.map((v) => Math.floor(v + 1e-9));
  let left = total - floors.reduce((s, v) => s + v, 0);
  const order = values.map((v, i) => ({ i, rem: v - Math.floor(v + 1e-9) })).sort((a, b) => b.rem - a.rem || a.i - b.i);
  const out = [...floors];
  for (let k = 0; left !== 0 && order.length > 0; k = (k + 1) % order.length) {
    const at = order[k]?.i ?? 0;
    const step = left > 0 ? 1 : -1;
    out[at] = (out[at] ?? 0) + step;
    left -= step;
  }
  return out;
}

/** Per layer and per period bucket (0: before the range; 1..n: the periods), as the ledger says. */
export interface SalesCell {
  layer: number;
  bucket: number;
  purchases: number;
  sales: number;
  points: number;
  /** Exact allocation to points of these sales. */
  allocated: number;
}

export interface FlowCell {
  layer: number;
  bucket: number;
  /** Points credited to the layer's lots by their earn. */
  issued: number;
  /** Change of what the layer's lots still hold for members (available, pending, or reserved by a hold). */
  outstanding: number;
  /** Points spent from them into `redeemed`, net of refunds and cancellations. */
  redeemed: number;
  /** Points of them moved to `breakage`, net of expired points taken back. */
  expired: number;
}

export interface PeriodFigures {
  purchases: number;
  sales: number;
  pointsIssued: number;
  allocatedToPoints: number;
  allocatedToGoods: number;
  recognised: number;
  breakage: number;
  liabilityStart: number;
  liabilityEnd: number;
}

export interface PointFigures {
  issued: number;
  redeemed: number;
  expired: number;
  cancelled: number;
  outstandingStart: number;
  outstandingEnd: number;
}

export interface LayerFigures {
  layer: number;
  sales: number;
  pointsIssued: number;
  points: number;
  redeemed: number;
  expired: number;
  outstanding: number;
  expectedRedemptions: number;
  allocated: number;
  recognisedToDate: number;
  breakageToDate: number;
  liability: number;
}

/**
 * The deferred revenue of `periods` periods from the ledger's cells. `rates[i]` is the expected rate
 * at boundary i (0: the range's start, i: the end of period i), the one in force on the last day
 * before it. Answers each period's figures, each period's point flows on purchase lots, and each
 * layer at the end of the range.
 */
export function deferredRevenue(input: { periods: number; rates: number[]; sales: SalesCell[]; flows: FlowCell[] }): {
  periods: PeriodFigures[];
  points: PointFigures[];
  layers: LayerFigures[];
  totals: PeriodFigures;
} {
  const { periods } = input;
  const layerIds = [...new Set([...input.sales.map((c) => c.layer), ...input.flows.map((c) => c.layer)])].sort((a, b) => a - b);
  // Cumulative state per layer at each boundary 0..periods.
  const cum = new Map<number, { allocated: number[]; sales: number[]; pointsIssued: number[]; flows: FlowCell[] }>();
  const blank = () => Array.from({ length: periods + 1 }, () => 0);
  for (const id of layerIds) {
    cum.set(id, {
      allocated: blank(),
      sales: blank(),
      pointsIssued: blank(),
      flows: Array.from({ length: periods + 1 }, () => ({
        layer: id,
        bucket: 0,
        issued: 0,
        outstanding: 0,
        redeemed: 0,
        expired: 0,
      })),
    });
  }
  const inBucket = blank().map(() => ({ purchases: 0, sales: 0, points: 0 }));
  for (const c of input.sales) {
    const layer = cum.get(c.layer);
    const cell = inBucket[c.bucket];
    if (!layer || !cell) continue;
    for (let i = c.bucket; i <= periods; i++) {
      layer.allocated[i] = (layer.allocated[i] ?? 0) + c.allocated;
      layer.sales[i] = (layer.sales[i] ?? 0) + c.sales;
      layer.pointsIssued[i] = (layer.pointsIssued[i] ?? 0) + c.points;
    }
    cell.purchases += c.purchases;
    cell.sales += c.sales;
    cell.points += c.points;
  }
  const flowIn = blank().map(() => ({ issued: 0, outstanding: 0, redeemed: 0, expired: 0 }));
  const outstandingAt = blank();
  for (const c of input.flows) {
    const layer = cum.get(c.layer);
    const cell = flowIn[c.bucket];
    if (!layer || !cell) continue;
    for (let i = c.bucket; i <= periods; i++) {
      const f = layer.flows[i];
      if (!f) continue;
      f.issued += c.issued;
      f.outstanding += c.outstanding;
      f.redeemed += c.redeemed;
      f.expired += c.expired;
      outstandingAt[i] = (outstandingAt[i] ?? 0) + c.outstanding;
    }
    cell.issued += c.issued;
    cell.outstanding += c.outstanding;
    cell.redeemed += c.redeemed;
    cell.expired += c.expired;
  }

  // Exact totals to date at each boundary, then rounded once each.
  const toDate = blank().map((_, i) => {
    const r = input.rates[i] ?? 1;
    let allocated = 0;
    let recognised = 0;
    let released = 0;
    for (const layer of cum.values()) {
      const f = layer.flows[i];
      const a = layer.allocated[i] ?? 0;
      if (!f) continue;
      const state = { allocated: a, points: f.outstanding + f.redeemed + f.expired, redeemed: f.redeemed, expired: f.expired };
      const d = layerToDate(state, r);
      allocated += a;
      recognised += d.recognised;
      released += d.released;
    }
    const A = roundHalfAway(allocated);
    const C = roundHalfAway(recognised);
    const K = roundHalfAway(released);
    return { allocated: A, recognised: C, breakage: K - C, liability: A - K };
  });

  const periodRows: PeriodFigures[] = [];
  const pointRows: PointFigures[] = [];
  for (let i = 1; i <= periods; i++) {
    const before = toDate[i - 1];
    const after = toDate[i];
    const bucket = inBucket[i];
    const flow = flowIn[i];
    if (!before || !after || !bucket || !flow) continue;
    const allocatedToPoints = after.allocated - before.allocated;
    periodRows.push({
      purchases: bucket.purchases,
      sales: bucket.sales,
      pointsIssued: bucket.points,
      allocatedToPoints,
      allocatedToGoods: bucket.sales - allocatedToPoints,
      recognised: after.recognised - before.recognised,
      breakage: after.breakage - before.breakage,
      liabilityStart: before.liability,
      liabilityEnd: after.liability,
    });
    const start = outstandingAt[i - 1] ?? 0;
    const end = outstandingAt[i] ?? 0;
    pointRows.push({
      issued: flow.issued,
      redeemed: flow.redeemed,
      expired: flow.expired,
      // Everything else that left the lots: taken back by returns and reversals, negative adjustments, transfers.
      cancelled: flow.issued - flow.redeemed - flow.expired - flow.outstanding,
      outstandingStart: start,
      outstandingEnd: end,
    });
  }
  const first = toDate[0] ?? { liability: 0 };
  const last = toDate[periods] ?? { allocated: 0, recognised: 0, breakage: 0, liability: 0 };
  const totals = periodRows.reduce<PeriodFigures>(
    (t, p) => ({
      purchases: t.purchases + p.purchases,
      sales: t.sales + p.sales,
      pointsIssued: t.pointsIssued + p.pointsIssued,
      allocatedToPoints: t.allocatedToPoints + p.allocatedToPoints,
      allocatedToGoods: t.allocatedToGoods + p.allocatedToGoods,
      recognised: t.recognised + p.recognised,
      breakage: t.breakage + p.breakage,
      liabilityStart: t.liabilityStart,
      liabilityEnd: p.liabilityEnd,
    }),
    {
      purchases: 0,
      sales: 0,
      pointsIssued: 0,
      allocatedToPoints: 0,
      allocatedToGoods: 0,
      recognised: 0,
      breakage: 0,
      liabilityStart: first.liability,
      liabilityEnd: first.liability,
    },
  );

  // Each layer at the end of the range, columns rounded by largest remainder to the rounded totals.
  const r = input.rates[periods] ?? 1;
  const exact = layerIds.map((id) => {
    const layer = cum.get(id);
    const f = layer?.flows[periods] ?? { issued: 0, outstanding: 0, redeemed: 0, expired: 0 };
    const a = layer?.allocated[periods] ?? 0;
    const points = f.outstanding + f.redeemed + f.expired;
    const d = layerToDate({ allocated: a, points, redeemed: f.redeemed, expired: f.expired }, r);
    return { id, layer, f, a, points, d };
  });
  const allocated = largestRemainder(
    exact.map((e) => e.a),
    last.allocated,
  );
  const recognised = largestRemainder(
    exact.map((e) => e.d.recognised),
    last.recognised,
  );
  const breakage = largestRemainder(
    exact.map((e) => e.d.released - e.d.recognised),
    last.breakage,
  );
  const layers = exact
    .map((e, k): LayerFigures => {
      const a = allocated[k] ?? 0;
      const c = recognised[k] ?? 0;
      const b = breakage[k] ?? 0;
      return {
        layer: e.id,
        sales: e.layer?.sales[periods] ?? 0,
        pointsIssued: e.layer?.pointsIssued[periods] ?? 0,
        points: e.points,
        redeemed: e.f.redeemed,
        expired: e.f.expired,
        outstanding: e.f.outstanding,
        expectedRedemptions: Math.round(e.points * r),
        allocated: a,
        recognisedToDate: c,
        breakageToDate: b,
        liability: a - c - b,
      };
    })
    .filter((l) => l.pointsIssued !== 0 || l.points !== 0 || l.allocated !== 0 || l.liability !== 0);
  return { periods: periodRows, points: pointRows, layers, totals: { ...totals, liabilityEnd: last.liability } };
}
