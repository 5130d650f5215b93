import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { purchase } from "../helpers/events.ts";
import { engines, type HttpResult, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * The finance reports (liability, breakage, programme cost) on a story told in New York (EST,
 * UTC-5 in January and February), every figure computed by hand below. The programme's point
 * value is 0.5 (half a cent a point), so an odd number of points is worth a half cent and money
 * rounds half away from zero. Points expire one month after they are credited; a return or
 * reversal that finds points spent leaves a debt (clawback policy allow_debt).
 *
 * Rules: Base, 1 point per dollar (programme-funded, the programme's expiry). Acme, 1 point per
 * dollar at partner "acme" (partner-funded), pending 10 days, expiring after 6 months.
 * Rewards: Coffee 30 points, unit cost $1.20; Mug 10 points, no unit cost recorded.
 *
 *   5 Jan 15:00Z  A buys $101: lot A1 101, expires 5 Feb 15:00Z.
 *   6 Jan         A redeems a coffee (A1 -> 71). C buys $60 (lot C1 60) and redeems a coffee (C1 -> 30).
 *  20 Jan         C's purchase is reversed: 30 taken from C1, the 30 already spent becomes debt.
 *  25 Jan         B buys $40 at Acme: B1 40 available (expires 25 Feb), B2 40 partner-funded,
 *                 pending until 4 Feb 15:00Z, expires 25 Jul.
 *  28 Jan         C is credited 50 points, pending until 3 Feb 15:00Z, never expiring (C2).
 *  31 Jan 19:00Z  A purchase of A's that happened on 20 Dec ($50) is posted late: its 50 points
 *                 expired on 20 Jan, so they are earned and expire at once (breakage, dated now).
 *                 A reserves a coffee at a till for 24 hours: 30 points held from A1.
 *   2 Feb         Read 1 Feb's end: A's hold timed out at 19:00Z, not yet recorded.
 *   3 Feb         A buys $20 (A3 20, expires 3 Mar 15:00Z); that write records the hold's time-out.
 *  10 Feb         The jobs run: B2 and C2 activate (C2 pays C's 30 debt), A1 expires (71).
 *  12 Feb         The late purchase's earn is reversed (50 taken back from breakage); B redeems a mug
 *                 (B1 -> 30).
 *   2 Mar         Read before the jobs move B1's 30 (expired 25 Feb), then after.
 */

function ok(res: HttpResult, status = 200) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

/** The end of a New York day in January-March 2026 (EST, before 8 March), and a millisecond before. */
const endOf = (day: string) => new Date(new Date(`${day}T05:00:00Z`).getTime() + 86_400_000);

describe.each(engines())("finance reports on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  const members: string[] = [];
  let coffee: string;
  let mug: string;
  let lateEarn: string;
  const readings: Record<string, unknown> = {};

  /** What the ledger's own balance-as-of read says, summed over every member (one member at a time). */
  async function ledgerSum(at?: Date) {
    const sum = { available: 0, pending: 0, held: 0, debt: 0 };
    for (const m of members) {
      const q = at ? `?asOf=${new Date(at.getTime() - 1).toISOString()}` : "";
      const b = ok(await p.call("GET", `/v1/members/${m}/balance${q}`));
      sum.available += b.available;
      sum.pending += b.pending;
      sum.held += b.held;
      sum.debt += b.debt;
    }
    return sum;
  }

  const liability = async (asOf?: string) => ok(await p.call("GET", `/v1/reports/liability${asOf ? `?asOf=${asOf}` : ""}`));

  /** The figures the liability and the ledger's balances share, side by side. */
  const asBalances = (l: { availablePoints: number; pendingPoints: number; heldPoints: number; debtPoints: number }) => ({
    available: l.availablePoints,
    pending: l.pendingPoints,
    held: l.heldPoints,
    debt: l.debtPoints,
  });

  /** Every day's end from `first` up to (not including) `last`: the report and the ledger's summed balances agree. */
  async function agreesDayByDay(first: string, last: string) {
    for (let d = new Date(`${first}T12:00:00Z`); d < new Date(`${last}T00:00:00Z`); d = new Date(d.getTime() + 86_400_000)) {
      const day = d.toISOString().slice(0, 10);
      const report = await liability(day);
      expect({ day, ...asBalances(report) }).toEqual({ day, ...(await ledgerSum(endOf(day))) });
    }
  }

  beforeAll(async () => {
    t = await startTestApp(engine, "2026-01-05T15:00:00Z");
    p = await t.createProgram({
      pointValue: 0.5,
      pointsExpiry: { policy: "fixed_period", months: 1 },
      clawbackPolicy: "allow_debt",
    });
    ok(
      await p.call("POST", "/v1/rules", {
        name: "Base",
        trigger: "purchase",
        inForceFrom: "2025-12-01T00:00:00Z", // so the late-posted December purchase earns
        effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
      }),
      201,
    );
    ok(
      await p.call("POST", "/v1/rules", {
        name: "Acme",
        trigger: "purchase",
        conditions: [{ type: "partner", in: ["acme"] }],
        effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
        fundedBy: "partner",
        pendingDays: 10,
        expiry: { policy: "fixed_period", months: 6 },
      }),
      201,
    );
    const reward = async (name: string, cost: number, unitCost?: number) =>
      ok(
        await p.call("POST", "/v1/rewards", {
          name,
          type: "free_product",
          value: { sku: name.toUpperCase() },
          costPoints: cost,
          ...(unitCost !== undefined && { unitCost }),
        }),
        201,
      );
    const coffeeReward = await reward("Coffee", 30, 120);
    expect(coffeeReward.unitCost).toBe(120);
    coffee = coffeeReward.id;
    const mugReward = await reward("Mug", 10);
    expect(mugReward.unitCost).toBeNull();
    mug = mugReward.id;

    const [a, b, c] = [
      await p.createMember({ name: "A" }),
      await p.createMember({ name: "B" }),
      await p.createMember({ name: "C" }),
    ];
    members.push(a, b, c);
    ok(await p.call("POST", "/v1/events", purchase(a, 10_100)), 201);

    t.clock.set("2026-01-06T15:00:00Z");
    ok(await p.call("POST", `/v1/members/${a}/redemptions`, { rewardId: coffee }), 201);
    const cEarn = ok(await p.call("POST", "/v1/events", purchase(c, 6_000)), 201);
    ok(await p.call("POST", `/v1/members/${c}/redemptions`, { rewardId: coffee }), 201);

    t.clock.set("2026-01-20T15:00:00Z");
    const reversal = ok(
      await p.call("POST", `/v1/ledger/transactions/${cEarn.transactionId}/reverse`, { reason: "Charged back" }),
      201,
    );
    expect(reversal.balance).toEqual({ available: 0, pending: 0, held: 0, debt: 30 });

    t.clock.set("2026-01-25T15:00:00Z");
    const bEarn = ok(await p.call("POST", "/v1/events", purchase(b, 4_000, { partnerId: "acme" })), 201);
    expect(bEarn.balance).toEqual({ available: 40, pending: 40, held: 0, debt: 0 });

    t.clock.set("2026-01-28T15:00:00Z");
    ok(
      await p.call("POST", `/v1/members/${c}/adjustments`, {
        points: 50,
        reason: "Goodwill",
        availableAt: "2026-02-03T15:00:00Z",
        expiresAt: null,
      }),
      201,
    );

    t.clock.set("2026-01-31T19:00:00Z");
    const late = ok(await p.call("POST", "/v1/events", purchase(a, 5_000, { occurredAt: "2025-12-20T15:00:00Z" })), 201);
    expect(late.points.total).toBe(50);
    lateEarn = late.transactionId;
    const reserved = ok(
      await p.call("POST", `/v1/members/${a}/redemptions`, { rewardId: coffee, reserve: true, holdSeconds: 86_400 }),
      201,
    );
    expect(reserved.balance).toEqual({ available: 41, pending: 0, held: 30, debt: 0 });

    // 1 Feb, 07:00 New York: January's end has passed.
    t.clock.set("2026-02-01T12:00:00Z");
    readings.january = await liability("2026-01-31");
  });
  afterAll(async () => {
    const report = await t.app.services.verify();
    expect(report.ok).toBe(true);
    await t.close();
  });

  /**
   * 31 January's end (1 Feb 05:00Z):
   *   A1 41 available (101 - 30 coffee - 30 held), expires 5 Feb: within 30 days. A's hold of 30 is live (until 1 Feb 19:00Z).
   *   A's late lot: expired. B1 40 available, expires 25 Feb: within 30 days.
   *   B2 40 pending (available 4 Feb), expires 25 Jul: 91-365 days (1 Feb + 90 days = 2 May).
   *   C2 50 pending, never expires. C owes 30 (debt): pending points do not pay it.
   * available 41 + 40 = 81, pending 40 + 50 = 90, outstanding 171, held 30, liability 201, debt 30.
   * Money at 0.5: 81 -> 40.5 -> 41; 40 -> 20; 50 -> 25; 171 -> 85.5 -> 86; 30 -> 15; 201 -> 100.5 -> 101.
   * Against the system accounts: issued 101 + 60 - 60 (reversal) + 50 (late) + 40 = 191, partner 40,
   * adjustments 50; redeemed 30 + 30; breakage 50: 191 + 40 + 50 - 60 - 50 = 171 = 81 + 90 + 30 - 30.
   */
  it("rebuilds a past month end from the ledger: buckets, pending, held and debt, in points and money", async () => {
    expect(readings.january).toEqual({
      asOf: "2026-01-31",
      at: "2026-02-01T05:00:00.000Z",
      timezone: "America/New_York",
      currency: "USD",
      pointValue: 0.5,
      availablePoints: 81,
      pendingPoints: 90,
      outstandingPoints: 171,
      heldPoints: 30,
      liabilityPoints: 201,
      debtPoints: 30,
      outstandingAmount: 86,
      heldAmount: 15,
      liabilityAmount: 101,
      debtAmount: 15,
      buckets: [
        { bucket: "within_30_days", available: 81, pending: 0, points: 81, amount: 41 },
        { bucket: "days_31_to_90", available: 0, pending: 0, points: 0, amount: 0 },
        { bucket: "days_91_to_365", available: 0, pending: 40, points: 40, amount: 20 },
        { bucket: "later", available: 0, pending: 0, points: 0, amount: 0 },
        { bucket: "never", available: 0, pending: 50, points: 50, amount: 25 },
      ],
    });
    expect(asBalances(readings.january as never)).toEqual(await ledgerSum(endOf("2026-01-31")));
  });

  /**
   * 4 Feb 12:00Z, the jobs not yet run. A's write on 3 Feb settled A's hold (back on A1: 71).
   * A1 71 and A3 20 and B1 40 available, within 30 days; B2 40 still pending (until 15:00Z);
   * C2's 50 became available on 3 Feb and, as the jobs will, pays C's 30 debt: 20 left, never expiring.
   * available 71 + 20 + 40 + 20 = 151, pending 40, outstanding 191, debt 0. The lots' cached
   * remainders (the overview) still say C2 holds 50 and C owes 30: the same 191 net of debt.
   * After the jobs (10 Feb: A1 expired, B2 and C2 activated) the overview and the report agree:
   * A3 20 + B1 40 (within 30 days) + B2 40 (91-365) + C2 20 (never) = 120.
   */
  it("reads now as the current books, with due work the jobs have not recorded yet applied as they will", async () => {
    const a = members[0] as string;
    // 2 Feb: A's hold timed out on 1 Feb 19:00Z and nothing has recorded it yet. At 1 Feb's end its
    // 30 points are back on A1 (71), not held: available 71 + 40 = 111, pending 90, debt 30.
    t.clock.set("2026-02-02T12:00:00Z");
    const lapsed = await liability("2026-02-01");
    expect(asBalances(lapsed)).toEqual({ available: 111, pending: 90, held: 0, debt: 30 });
    expect(asBalances(lapsed)).toEqual(await ledgerSum(endOf("2026-02-01")));
    t.clock.set("2026-02-03T15:00:00Z");
    ok(await p.call("POST", "/v1/events", purchase(a, 2_000)), 201);
    t.clock.set("2026-02-04T12:00:00Z");
    const now = await liability();
    expect(now).toMatchObject({
      asOf: "2026-02-04",
      at: "2026-02-04T12:00:00.001Z",
      availablePoints: 151,
      pendingPoints: 40,
      outstandingPoints: 191,
      heldPoints: 0,
      debtPoints: 0,
      outstandingAmount: 96, // 95.5
    });
    expect(now.buckets.map((b: { points: number }) => b.points)).toEqual([131, 0, 40, 0, 20]);
    expect(asBalances(now)).toEqual(await ledgerSum());
    const overview = ok(await p.call("GET", "/v1/reports/overview"));
    expect([overview.outstandingPoints, overview.debtPoints]).toEqual([221, 30]);
    expect(overview.outstandingPoints - overview.debtPoints).toBe(now.outstandingPoints - now.debtPoints);
    // Today asked by its date is read as of now.
    expect(await liability("2026-02-04")).toEqual(now);

    t.clock.set("2026-02-10T15:00:00Z");
    // Before the jobs run: C2's activation and its debt payment (3 Feb), B2's activation (4 Feb) and
    // A1's expiry (5 Feb) are due but not recorded; each day's end still agrees with the ledger's own read.
    await agreesDayByDay("2026-01-05", "2026-02-10");
    const jobs = ok(await p.call("POST", "/v1/jobs/run", {}));
    expect(jobs.activations).toBe(2);
    const settled = await liability();
    const books = ok(await p.call("GET", "/v1/reports/overview"));
    expect(settled.outstandingPoints).toBe(120);
    expect(settled.outstandingPoints).toBe(books.outstandingPoints);
    expect([settled.heldPoints, settled.debtPoints]).toEqual([books.heldPoints, books.debtPoints]);
    expect(settled.buckets.map((b: { points: number }) => b.points)).toEqual([60, 0, 40, 0, 20]);
    expect(settled.outstandingAmount).toBe(60);
    expect(asBalances(settled)).toEqual(await ledgerSum());

    // January's end reads the same after more was written and the jobs ran.
    expect(await liability("2026-01-31")).toEqual(readings.january);
  });

  /**
   * 28 February's end (1 Mar 05:00Z), read on 2 Mar before the jobs expire B1 (25 Feb):
   * A3 20 (within 30 days), B1 gone (30 left after the mug, expired), B2 40 (91-365: 25 Jul is
   * after 1 Mar + 90 days = 30 May), C2 20 (never): 80 available, worth 40.
   */
  it("answers each month end as the single day does, the same before and after the jobs", async () => {
    const b = members[1] as string;
    t.clock.set("2026-02-12T15:00:00Z");
    const undone = ok(await p.call("POST", `/v1/ledger/transactions/${lateEarn}/reverse`, { reason: "Posted twice" }), 201);
    expect(undone.balance.available).toBe(20); // A3: the 50 came back from breakage, not from A
    ok(await p.call("POST", `/v1/members/${b}/redemptions`, { rewardId: mug }), 201);

    t.clock.set("2026-03-02T15:00:00Z");
    const series = ok(await p.call("GET", "/v1/reports/liability/month-ends?from=2026-01&to=2026-03"));
    expect(series.monthEnds.map((m: { month: string; asOf: string }) => [m.month, m.asOf])).toEqual([
      ["2026-01", "2026-01-31"],
      ["2026-02", "2026-02-28"],
      ["2026-03", "2026-03-02"],
    ]);
    const {
      buckets: _b,
      asOf: _a,
      at: _t,
      timezone: _z,
      currency: _c,
      pointValue: _v,
      ...january
    } = readings.january as Record<string, unknown>;
    expect(series.monthEnds[0]).toEqual({ month: "2026-01", asOf: "2026-01-31", ...january });
    expect(series.monthEnds[1]).toMatchObject({
      availablePoints: 80,
      pendingPoints: 0,
      outstandingPoints: 80,
      heldPoints: 0,
      debtPoints: 0,
      outstandingAmount: 40,
    });
    const february = await liability("2026-02-28");
    expect(february.buckets.map((x: { points: number }) => x.points)).toEqual([20, 0, 40, 0, 20]);
    expect(asBalances(february)).toEqual(await ledgerSum(endOf("2026-02-28")));
    const csv = await p.call("GET", "/v1/reports/liability/month-ends?from=2026-01&to=2026-02&format=csv");
    expect(csv.body).toBe(
      "month,as_of,available_points,pending_points,outstanding_points,held_points,liability_points,debt_points,outstanding_amount,held_amount,liability_amount,debt_amount\r\n" +
        "2026-01,2026-01-31,81,90,171,30,201,30,0.86,0.15,1.01,0.15\r\n" +
        "2026-02,2026-02-28,80,0,80,0,80,0,0.40,0.00,0.40,0.00\r\n",
    );

    const jobs = ok(await p.call("POST", "/v1/jobs/run", {}));
    expect(jobs.expiries).toBe(1);
    expect(await liability("2026-02-28")).toEqual(february);
    expect(await liability("2026-01-31")).toEqual(readings.january);
  });

  /**
   * Breakage, January and February:
   *   January: expired 50 (the late purchase), redeemed 30 + 30 = 60; rate 50 / 110 = 0.4545; $0.25.
   *   February: expired 71 (A1, 5 Feb) + 30 (B1, 25 Feb) - 50 (the late purchase's reversal took its
   *   expired points back from breakage) = 51; redeemed 10 (the mug); rate 51 / 61 = 0.8361; 25.5 -> $0.26.
   *   Totals: 101 expired, 70 redeemed, 101 / 171 = 0.5906; 50.5 -> $0.51. Lifetime to 28 Feb: the same.
   */
  it("reports breakage per period net of reversals, its money and the breakage rate", async () => {
    const body = ok(await p.call("GET", "/v1/reports/breakage?from=2026-01-01&to=2026-02-28&interval=month"));
    expect(body).toEqual({
      from: "2026-01-01",
      to: "2026-02-28",
      interval: "month",
      timezone: "America/New_York",
      currency: "USD",
      pointValue: 0.5,
      series: [
        { period: "2026-01-01", expired: 50, expiredAmount: 25, redeemed: 60, breakageRate: 0.4545 },
        { period: "2026-02-01", expired: 51, expiredAmount: 26, redeemed: 10, breakageRate: 0.8361 },
      ],
      totals: { expired: 101, expiredAmount: 51, redeemed: 70, breakageRate: 0.5906 },
      lifetime: { expired: 101, expiredAmount: 51, redeemed: 70, breakageRate: 0.5906 },
    });
    const csv = await p.call("GET", "/v1/reports/breakage?from=2026-01-01&to=2026-02-28&interval=month&format=csv");
    expect(csv.body).toBe(
      "period,expired,expired_amount,redeemed,breakage_rate\r\n2026-01-01,50,0.25,60,0.4545\r\n2026-02-01,51,0.26,10,0.8361\r\n",
    );
    const january = ok(await p.call("GET", "/v1/reports/breakage?from=2026-01-01&to=2026-01-31"));
    expect(january.totals).toEqual({ expired: 50, expiredAmount: 25, redeemed: 60, breakageRate: 0.4545 });
  });

  /**
   * Programme cost, January and February:
   *   January: issued 101 + 60 - 60 + 50 + 40 = 191, adjusted 50, partner 40, redeemed 60.
   *   February: issued 20 - 50 (the late purchase reversed) = -30, redeemed 10.
   *   Totals: issued 161 + adjusted 50 = 211 programme-funded ($1.055 -> $1.06), partner 40 ($0.20),
   *   partner share 40 / 251 = 0.1594; redeemed 70 ($0.35).
   *   Rewards: Coffee 2 redemptions (A's reservation lapsed), 60 points ($0.30), 2 x $1.20 = $2.40;
   *   Mug 1, 10 points ($0.05), no unit cost (1 unit without cost).
   *   Active members: A, B, C (3). Member revenue: $101 + $60 + $40 + $20 = $221 (the late purchase
   *   happened in December). Per active member 106 / 3 = 35.33 -> 35; share 106 / 22100 = 0.0048.
   */
  it("reports what points and rewards cost, who funded them, per active member and against revenue", async () => {
    const body = ok(await p.call("GET", "/v1/reports/program-cost?from=2026-01-01&to=2026-02-28&interval=month"));
    expect(body.series).toEqual([
      {
        period: "2026-01-01",
        issuedPoints: 191,
        adjustedPoints: 50,
        programFundedPoints: 241,
        partnerFundedPoints: 40,
        programFundedCost: 121, // 120.5
        partnerFundedCost: 20,
        redeemedPoints: 60,
        redeemedCost: 30,
      },
      {
        period: "2026-02-01",
        issuedPoints: -30,
        adjustedPoints: 0,
        programFundedPoints: -30,
        partnerFundedPoints: 0,
        programFundedCost: -15,
        partnerFundedCost: 0,
        redeemedPoints: 10,
        redeemedCost: 5,
      },
    ]);
    expect(body.totals).toEqual({
      issuedPoints: 161,
      adjustedPoints: 50,
      programFundedPoints: 211,
      partnerFundedPoints: 40,
      programFundedCost: 106,
      partnerFundedCost: 20,
      redeemedPoints: 70,
      redeemedCost: 35,
      partnerFundedShare: 0.1594,
      rewardsRedeemed: 3,
      rewardPoints: 70,
      rewardPointsCost: 35,
      rewardCost: 240,
      unitsWithoutCost: 1,
      activeMembers: 3,
      memberRevenue: 22_100,
      costPerActiveMember: 35,
      costShareOfMemberRevenue: 0.0048,
    });
    expect(body.partners).toEqual([{ partnerId: "acme", points: 40, cost: 20 }]);
    expect(body.rewards).toEqual([
      { rewardId: coffee, name: "Coffee", redemptions: 2, units: 2, points: 60, pointsCost: 30, unitCost: 120, rewardCost: 240 },
      { rewardId: mug, name: "Mug", redemptions: 1, units: 1, points: 10, pointsCost: 5, unitCost: null, rewardCost: null },
    ]);
    const csv = await p.call("GET", "/v1/reports/program-cost?from=2026-01-01&to=2026-02-28&format=csv&table=rewards");
    expect(csv.body).toBe(
      "reward_id,name,redemptions,units,points,points_cost,unit_cost,reward_cost\r\n" +
        `${coffee},Coffee,2,2,60,0.30,1.20,2.40\r\n${mug},Mug,1,1,10,0.05,,\r\n`,
    );
  });

  it("agrees with the ledger's own balance as of every day's end, whatever fell due that day", async () => {
    // 5 Jan to 1 Mar: activations, a hold timing out, expiries, a reversal from breakage, debt paid.
    await agreesDayByDay("2026-01-05", "2026-03-02");
  });

  it("refuses days after today, bad months and inverted ranges in the one error shape", async () => {
    const refused = async (path: string, field: string) => {
      const res = await p.call("GET", path);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.code).toBe("validation_error");
      expect(JSON.stringify(res.body.error)).toContain(field);
      return res.body.error.message as string;
    };
    expect(await refused("/v1/reports/liability?asOf=2026-03-03", "asOf")).toContain("must not be after today");
    await refused("/v1/reports/liability?asOf=2026-02-30", "asOf");
    await refused("/v1/reports/liability?at=2026-02-01", "at");
    expect(await refused("/v1/reports/liability/month-ends?from=2026-03&to=2026-01", "from")).toContain("after");
    await refused("/v1/reports/liability/month-ends?from=2026-13", "from");
    await refused("/v1/reports/liability/month-ends?to=2026-04", "to");
    await refused("/v1/reports/liability/month-ends?from=2020-01&to=2026-01", "from");
    await refused("/v1/reports/breakage?from=2026-02-01&to=2026-01-01", "from");
    await refused("/v1/reports/program-cost?from=2020-01-01&to=2026-01-01", "from");
  });

  it("keeps a reward's unit cost: set, changed, cleared, refused in the field's words", async () => {
    const refused = await p.call("POST", "/v1/rewards", {
      name: "Cake",
      type: "free_product",
      value: { sku: "CAKE" },
      costPoints: 40,
      unitCost: -5,
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe("Unit cost must be at least 0");
    const fraction = await p.call("PATCH", `/v1/rewards/${mug}`, { unitCost: 1.5 });
    expect(fraction.status).toBe(400);
    // Minor units: a fraction of a cent is not money the API takes.
    expect(fraction.body.error.message).toBe("Unit cost must be a whole number");
    expect(ok(await p.call("PATCH", `/v1/rewards/${mug}`, { unitCost: 75 })).unitCost).toBe(75);
    expect(ok(await p.call("GET", `/v1/rewards/${mug}`)).unitCost).toBe(75);
    expect(ok(await p.call("PATCH", `/v1/rewards/${mug}`, { unitCost: null })).unitCost).toBeNull();
  });

  it("answers an empty programme with zeros, never a 500", async () => {
    const empty = await t.createProgram();
    for (const path of [
      "/v1/reports/liability",
      "/v1/reports/liability?asOf=2026-01-31",
      "/v1/reports/liability/month-ends",
      "/v1/reports/breakage",
      "/v1/reports/program-cost",
    ]) {
      const res = await empty.call("GET", path);
      expect(res.status, `${path} ${JSON.stringify(res.body)}`).toBe(200);
    }
    const l = ok(await empty.call("GET", "/v1/reports/liability"));
    expect([l.outstandingPoints, l.liabilityAmount, l.buckets.length]).toEqual([0, 0, 5]);
    const c = ok(await empty.call("GET", "/v1/reports/program-cost"));
    expect([c.totals.costPerActiveMember, c.totals.costShareOfMemberRevenue, c.totals.partnerFundedShare]).toEqual([
      null,
      null,
      null,
    ]);
    expect(ok(await empty.call("GET", "/v1/reports/breakage")).lifetime.breakageRate).toBeNull();
  });
});

/**
 * A published reference: IFRS 15 Revenue from Contracts with Customers, Illustrative Examples,
 * Example 52 "Customer loyalty programme" (paragraphs IE267-IE270). Customers buy products for
 * CU100,000 and earn one point per CU10 (10,000 points); each point is a CU1 discount on future
 * purchases. 4,500 points are redeemed by the end of the first reporting period (IE269), 8,500
 * cumulatively by the end of the second (IE270). With CU1 = 100 minor units a point is worth 100
 * minor units (the programme's pointValue), so the points members still hold are, at face value:
 *   end of period 1: 10,000 - 4,500 = 5,500 points = CU5,500 (550,000 minor units);
 *   end of period 2: 10,000 - 8,500 = 1,500 points = CU1,500 (150,000 minor units).
 * (The standard's contract liability, CU4,566 and CU1,073, is the deferred revenue allocated to
 * the points, which the deferred-revenue report measures; this report is the points' face value.)
 * The points do not expire in the example, so breakage is 0; the cost of the points granted is
 * 10,000 x CU1 = CU10,000 and of those redeemed in period 1, CU4,500.
 */
describe.each(engines())("liability in money on IFRS 15 Illustrative Example 52 (%s)", (engine) => {
  let t: TestApp;
  let p: TestProgram;

  beforeAll(async () => {
    t = await startTestApp(engine, "2026-01-10T15:00:00Z");
    p = await t.createProgram({ pointValue: 100 });
    ok(
      await p.call("POST", "/v1/rules", {
        name: "1 point per CU10",
        trigger: "purchase",
        effect: { type: "points_per_amount", points: 1, per: 1_000, rounding: "floor" },
      }),
      201,
    );
    const discount = ok(
      await p.call("POST", "/v1/rewards", {
        name: "CU500 off",
        type: "discount_amount",
        value: { amount: 50_000 },
        costPoints: 500,
        unitCost: 50_000,
      }),
      201,
    ).id;
    // Ten customers buy CU10,000 each: CU100,000 of products, 10,000 points.
    const customers: string[] = [];
    for (let i = 0; i < 10; i++) {
      const m = await p.createMember({ name: `Customer ${i + 1}` });
      customers.push(m);
      ok(await p.call("POST", "/v1/events", purchase(m, 1_000_000)), 201);
    }
    // Period 1 (2026): 9 x 500 = 4,500 points redeemed.
    t.clock.set("2026-06-10T15:00:00Z");
    for (const m of customers.slice(0, 9)) ok(await p.call("POST", `/v1/members/${m}/redemptions`, { rewardId: discount }), 201);
    // Period 2 (2027): 8 x 500 more, 8,500 cumulatively.
    t.clock.set("2027-06-10T15:00:00Z");
    for (const m of customers.slice(0, 8)) ok(await p.call("POST", `/v1/members/${m}/redemptions`, { rewardId: discount }), 201);
    t.clock.set("2028-01-15T15:00:00Z");
  });
  afterAll(async () => {
    await t.close();
  });

  it("values the points outstanding at each period end at the point value", async () => {
    const year1 = ok(await p.call("GET", "/v1/reports/liability?asOf=2026-12-31"));
    expect([year1.outstandingPoints, year1.outstandingAmount, year1.liabilityAmount]).toEqual([5_500, 550_000, 550_000]);
    expect(year1.buckets.find((b: { bucket: string }) => b.bucket === "never")).toEqual({
      bucket: "never",
      available: 5_500,
      pending: 0,
      points: 5_500,
      amount: 550_000,
    });
    const year2 = ok(await p.call("GET", "/v1/reports/liability?asOf=2027-12-31"));
    expect([year2.outstandingPoints, year2.outstandingAmount]).toEqual([1_500, 150_000]);

    const cost = ok(await p.call("GET", "/v1/reports/program-cost?from=2026-01-01&to=2026-12-31&interval=month"));
    expect(cost.totals).toMatchObject({
      programFundedPoints: 10_000,
      programFundedCost: 1_000_000,
      redeemedPoints: 4_500,
      redeemedCost: 450_000,
      rewardCost: 9 * 50_000,
      memberRevenue: 10_000_000,
      costShareOfMemberRevenue: 0.1,
    });
    const breakage = ok(await p.call("GET", "/v1/reports/breakage?from=2027-01-01&to=2027-12-31&interval=month"));
    expect(breakage.totals).toEqual({ expired: 0, expiredAmount: 0, redeemed: 4_000, breakageRate: 0 });
    expect(breakage.lifetime).toEqual({ expired: 0, expiredAmount: 0, redeemed: 8_500, breakageRate: 0 });
  });
});
