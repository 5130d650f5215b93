import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, type HttpResult, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * A published figure reproduced through the Engagement reports, on real purchase histories.
 *
 * The CDNOW sample (test/fixtures/cdnow/cdnow-sample.csv, from CDNOW_sample.txt: the 1/10th
 * systematic sample of the 23,570 customers who first bought at CDNOW in the first quarter of
 * 1997, 2,357 customers, 6,919 records up to 30 June 1998; Fader & Hardie (2001), "Forecasting
 * Repeat Sales at CDNOW: A Case Study", Interfaces 31(3)) is the data of Fader, Hardie & Lee
 * (2005), "'Counting Your Customers' the Easy Way: An Alternative to the Pareto/NBD Model",
 * Marketing Science 24(2), 275-284, section 4 (the 39-week calibration period, 1 January to
 * 30 September 1997, and the histogram of repeat transactions in it, Figure 2), and of the BTYD R
 * package's walkthrough (vignette "Buy 'Til You Die - A Walkthrough", section 2.1: merge a
 * customer's transactions on the same day with dc.MergeTransactionsOnSameDate, end of calibration
 * 1997-09-30, first transactions split off by dc.SplitUpElogForRepeatTrans).
 *
 * Published: of the 2,357 customers, 1,411 made no repeat purchase in the calibration period
 * (the x = 0 bar of the frequency histogram). Here every customer enrols on their first purchase
 * (their first day's purchases, merged, as one event), every later day's purchases are one more
 * purchase event; the cohort report's repeat purchasers (members who bought on a later day than
 * the one they enrolled on, up to `to`) must leave exactly 1,411 who never came back. The
 * participation report counts the purchases: 2,357 first ones plus the repeat transactions the
 * walkthrough's procedure gives (2,457 in the calibration period, 4,339 up to June 1998 over
 * 6,696 customer-days, the row count CLVTools' `cdnow` data set documents).
 */

const PUBLISHED_NO_REPEAT_IN_CALIBRATION = 1_411;
const CUSTOMERS = 2_357;

interface Day {
  customer: number;
  date: string;
  cents: number;
}

/** One transaction per customer per day (as the literature counts them), in dollars turned to cents. */
function customerDays(): Day[] {
  const lines = readFileSync(new URL("../fixtures/cdnow/cdnow-sample.csv", import.meta.url), "utf8")
    .trim()
    .split("\n")
    .slice(1);
  const days = new Map<string, Day>();
  for (const line of lines) {
    const [customer, yyyymmdd, dollars] = line.split(",") as [string, string, string];
    const date = `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
    const key = `${customer}|${date}`;
    const day = days.get(key) ?? { customer: Number(customer), date, cents: 0 };
    day.cents += Math.round(Number(dollars) * 100);
    days.set(key, day);
  }
  return [...days.values()].sort((a, b) => a.date.localeCompare(b.date) || a.customer - b.customer);
}

function ok(res: HttpResult, status = 200) {
  expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(status);
  return res.body;
}

describe.each(engines())("the CDNOW sample through the engagement reports on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  const days = customerDays();
  const first = new Map<number, string>();
  for (const d of days) if (!first.has(d.customer)) first.set(d.customer, d.date);

  beforeAll(async () => {
    t = await startTestApp(engine, "1996-12-31T12:00:00Z");
    p = await t.createProgram({ timezone: "UTC", unknownMemberPolicy: "enroll" });
    // A point per purchase, so that the few $0 orders earn something and are accepted.
    ok(
      await p.call("POST", "/v1/rules", {
        name: "A point a visit",
        trigger: "purchase",
        effect: { type: "fixed_points", points: 1 },
      }),
      201,
    );
    const event = (d: Day) => ({
      id: `cdnow-${d.customer}-${d.date}`,
      type: "purchase",
      member: { externalId: `cdnow-${d.customer}` },
      amount: d.cents,
      occurredAt: `${d.date}T12:00:00Z`,
    });
    const send = async (batch: Day[]) => {
      const answer = ok(await p.call("POST", "/v1/events/batch", { events: batch.map(event) }));
      expect(answer.summary).toEqual({ accepted: batch.length, replayed: 0, failed: 0 });
    };
    // Each first purchase at noon on its day, with the clock there: the member enrols on it.
    const firsts = days.filter((d) => first.get(d.customer) === d.date);
    for (const date of [...new Set(firsts.map((d) => d.date))]) {
      t.clock.set(`${date}T12:00:00Z`);
      await send(firsts.filter((d) => d.date === date));
    }
    // The repeat purchases afterwards, posted late in batches of 1,000: they count by when they happened.
    t.clock.set("1998-07-01T00:00:00Z");
    const repeats = days.filter((d) => first.get(d.customer) !== d.date);
    for (let i = 0; i < repeats.length; i += 1_000) await send(repeats.slice(i, i + 1_000));
  }, 300_000);
  afterAll(async () => {
    await t.close();
  });

  it("1,411 of the 2,357 customers made no repeat purchase in the 39-week calibration period (Fader, Hardie & Lee 2005)", async () => {
    expect(days).toHaveLength(6_696);
    const body = ok(await p.call("GET", "/v1/reports/cohorts?from=1997-01-01&to=1997-09-30"));
    const cohorts = body.cohorts as { cohort: string; size: number; repeatPurchasers: number; months: { share: number }[] }[];
    expect(cohorts.map((c) => c.cohort)).toEqual(["1997-01", "1997-02", "1997-03"]);
    const size = cohorts.reduce((n, c) => n + c.size, 0);
    const noRepeat = cohorts.reduce((n, c) => n + c.size - c.repeatPurchasers, 0);
    expect(size).toBe(CUSTOMERS);
    expect(noRepeat).toBe(PUBLISHED_NO_REPEAT_IN_CALIBRATION);
    // Everyone bought in the month they enrolled; the January cohort is followed to September (month 8).
    expect(cohorts.map((c) => c.months[0]?.share)).toEqual([1, 1, 1]);
    expect(cohorts[0]?.months).toHaveLength(9);
    // The cohorts' sizes are the customers whose first purchase fell in each month.
    const firstMonths = [...first.values()].map((d) => d.slice(0, 7));
    expect(cohorts.map((c) => c.size)).toEqual(
      ["1997-01", "1997-02", "1997-03"].map((m) => firstMonths.filter((f) => f === m).length),
    );
  });

  it("counts 2,357 first and 2,457 repeat purchases in the calibration period, 4,339 repeats up to June 1998", async () => {
    const calibration = ok(await p.call("GET", "/v1/reports/participation?from=1997-01-01&to=1997-09-30&interval=month"));
    const inCalibration = days.filter((d) => d.date <= "1997-09-30");
    expect(calibration.totals).toMatchObject({
      memberPurchases: CUSTOMERS + 2_457,
      guestPurchases: 0,
      memberRevenue: inCalibration.reduce((sum, d) => sum + d.cents, 0),
      memberPurchaseShare: 1,
      enrolments: CUSTOMERS,
      members: CUSTOMERS,
    });
    // Enrolment over time: everyone joined in the first quarter.
    expect(calibration.series.map((s: { members: number }) => s.members).slice(2)).toEqual(Array(7).fill(CUSTOMERS));
    const all = ok(await p.call("GET", "/v1/reports/participation?from=1997-01-01&to=1998-06-30&interval=month"));
    expect(all.totals.memberPurchases).toBe(CUSTOMERS + 4_339);
    expect(all.series).toHaveLength(18);
  });
});
