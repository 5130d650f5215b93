import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { purchase, refund } from "../helpers/events.ts";
import { ok, readLive, rolledDays as rolledDaysOf, Shop } from "../helpers/rollup-fixtures.ts";
import { engines, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * The buyer rollups (cohorts and goals) change no figure: the cohort report and the goals report
 * answer exactly what they answer with every day read live, for ranges of every shape (cohorts
 * whose month is partly outside the range, ranges ending in the past), when caught up, when
 * back-dated purchases, full and partial returns of old purchases and claims of old guest receipts
 * arrived after the last tick, after the next tick, and after a time zone change. Full returns
 * remove buying days: a member whose first buying day of a month (or after enrolment, or in a
 * goal's window) was returned, with another purchase later in it, still counts; one whose only
 * purchase was returned no longer does.
 */

const START = Date.parse("2026-01-20T15:00:00Z");
const DAY = 86_400_000;

describe.each(engines())("buyer rollups on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  const shop = new Shop(
    () => t,
    () => p,
    24,
  );
  const { rand } = shop;

  const post = async (body: Record<string, unknown>) => ok(await p.call("POST", "/v1/events", body), 201);

  /** A day of business: enrolments, purchases (some dated days back, some of nothing), returns, claims. */
  async function businessDay(day: number) {
    t.clock.set(new Date(START + day * DAY + Math.floor(rand() * 8) * 3_600_000));
    await shop.enrol(3, 0.5);
    for (let i = 0; i < 3; i++) {
      const occurredAt = shop.occurredAt(0.3, 35);
      const amount = rand() < 0.1 ? 0 : shop.amount(500, 5_000);
      if (rand() < 0.2) await shop.guestPurchase(amount, occurredAt);
      else await shop.memberPurchase(() => amount, occurredAt);
    }
    await returnOne();
    await shop.claim(0.3);
  }

  /** Returns an earlier purchase half the time: in full (always, when `full`), or a third of it. */
  const returnOne = (full = false) => shop.returnOne(0.5, full ? 1 : 0.6);

  const URLS = [
    "/v1/reports/cohorts",
    "/v1/reports/cohorts?from=2026-01-01&to=2026-04-15",
    "/v1/reports/cohorts?from=2026-01-25&to=2026-03-10",
    "/v1/reports/cohorts?from=2026-02-01&to=2026-02-28",
    "/v1/reports/goals?from=2026-02-01&to=2026-03-31&interval=month",
    "/v1/reports/goals?from=2026-02-10&to=2026-03-20&interval=week",
    "/v1/reports/goals?from=2026-03-01&to=2026-03-20&interval=day",
    "/v1/reports/goals",
  ];

  const answers = async () => Promise.all(URLS.map(async (url) => [url, ok(await p.call("GET", url))]));

  /** What the reports answer with every day read live. */
  const liveAnswers = () => readLive(t, p.id, answers);
  const rolledDays = () => rolledDaysOf(t, p.id, ["cohort_buyers", "paid_buyers"]);

  /** The cells a figure of the answers depends on, to see that a test changed something. */
  const cohortCell = (all: unknown[][], cohort: string, month: number) => {
    const report = all.find(([url]) => url === "/v1/reports/cohorts?from=2026-01-01&to=2026-04-15")?.[1] as {
      cohorts: { cohort: string; repeatPurchasers: number; months: { month: number; purchasers: number }[] }[];
    };
    const row = report.cohorts.find((c) => c.cohort === cohort);
    return { repeat: row?.repeatPurchasers, month: row?.months[month]?.purchasers };
  };

  // Members whose purchases the tests return after the rollups have them.
  let only = "";
  let twice = "";
  const onlyBuys: string[] = [];
  const twiceBuys: string[] = [];

  beforeAll(async () => {
    t = await startTestApp(engine, new Date(START).toISOString());
    p = await t.createProgram({ timezone: "America/New_York", unknownMemberPolicy: "guest" });
    ok(
      await p.call("POST", "/v1/rules", {
        name: "1 point per dollar",
        trigger: "purchase",
        effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
      }),
      201,
    );
    // A visit earns too, so a purchase of nothing is kept (the goals do not count it; cohorts do).
    ok(
      await p.call("POST", "/v1/rules", {
        name: "Visit",
        trigger: "purchase",
        effect: { type: "fixed_points", points: 5 },
        // In force for purchases dated back before the test began too (a purchase of nothing is
        // refused when nothing earns on it).
        inForceFrom: "2025-01-01T00:00:00Z",
      }),
      201,
    );
    // Two members enrolled on 20 January: `twice` buys on 22 and 27 January, `only` once on 25 February.
    only = await p.createMember({ name: "Only" });
    twice = await p.createMember({ name: "Twice" });
    const set = async (body: Record<string, unknown>) => ok(await p.call("POST", "/v1/goals", body), 201);
    await set({ kind: "retention", target: 0.9, startDate: "2026-03-01", targetDate: "2026-06-01" });
    await set({ kind: "purchase_frequency", target: 5, startDate: "2026-03-10", targetDate: "2026-06-01" });
    await set({ kind: "average_order_value", target: 9000, baseline: 1000, startDate: "2026-02-01", targetDate: "2026-06-01" });
    await set({ kind: "member_revenue_share", target: 0.95, startDate: "2026-02-15", targetDate: "2026-06-01" });
    await set({ kind: "data_capture", captureField: "contact", target: 0.9, startDate: "2026-02-01", targetDate: "2026-06-01" });
    const special = new Map<number, [string, string[]]>([
      [2, [twice, twiceBuys]],
      [7, [twice, twiceBuys]],
      [36, [only, onlyBuys]],
    ]);
    for (let day = 0; day < 60; day++) {
      await businessDay(day);
      const [member, list] = special.get(day) ?? [];
      if (member && list) {
        const event = purchase(member, 2_000);
        await post(event);
        list.push(event.id);
      }
    }
  }, 300_000);
  afterAll(async () => {
    const report = await t.app.services.verify();
    expect(report.checks.filter((c) => c.violations > 0)).toEqual([]);
    await t.close();
  });

  it("caught up, the cohort and goals reports answer what they answer live", async () => {
    const live = await answers();
    expect(await rolledDays()).toEqual([]);
    await t.app.services.rollups.catchUp(t.clock.now(), p.id);
    // Every whole day that ended ten minutes before now: up to yesterday (20 March, New York).
    expect(await rolledDays()).toEqual([
      { rollup: "cohort_buyers", rolled_through: "2026-03-20" },
      { rollup: "paid_buyers", rolled_through: "2026-03-20" },
    ]);
    expect(await answers()).toEqual(live);
  });

  it("purchases removed or added on rolled-up days after the last tick are read live, and the next tick folds them in", async () => {
    const before = await liveAnswers();
    // `twice` loses the first of two January purchases: still a January buyer and, having bought
    // on 27 January after enrolling on the 20th, still a repeat buyer. `only` loses its only
    // purchase: no longer a February buyer of January's cohort, nor a repeat buyer.
    await post(refund(twiceBuys[0] as string, 2_000));
    await post(refund(onlyBuys[0] as string, 2_000));
    const after = await liveAnswers();
    const [was, is] = [cohortCell(before, "2026-01", 1), cohortCell(after, "2026-01", 1)];
    expect(is).toEqual({ repeat: (was.repeat ?? 0) - 1, month: (was.month ?? 0) - 1 });
    expect(cohortCell(after, "2026-01", 0).month).toBe(cohortCell(before, "2026-01", 0).month);
    expect(await answers()).toEqual(after);

    for (let day = 60; day < 66; day++) await businessDay(day);
    for (let i = 0; i < 6; i++) await returnOne(true);
    const live = await liveAnswers();
    expect(await answers()).toEqual(live);
    await t.app.services.rollups.tick(t.clock.now(), { programId: p.id });
    expect(await answers()).toEqual(live);
    // Ten minutes on, nothing new: the same answers from the rollups alone.
    t.clock.set(new Date(t.clock.now().getTime() + 11 * 60_000));
    await t.app.services.rollups.tick(t.clock.now(), { programId: p.id });
    expect(await answers()).toEqual(await liveAnswers());
    // More returns of old purchases, then caught up again.
    for (let i = 0; i < 6; i++) await returnOne(true);
    expect(await answers()).toEqual(await liveAnswers());
    t.clock.set(new Date(t.clock.now().getTime() + 11 * 60_000));
    await t.app.services.rollups.tick(t.clock.now(), { programId: p.id });
    expect(await answers()).toEqual(await liveAnswers());
  });

  it("rollups built in another time zone are not used, and are rebuilt in the new one", async () => {
    ok(await p.call("PATCH", "/v1/programs/current", { timezone: "Asia/Tokyo" }));
    const live = await liveAnswers();
    expect(await answers()).toEqual(live);
    await t.app.services.rollups.catchUp(t.clock.now(), p.id);
    const today = DateTime.fromMillis(t.clock.now().getTime() - 10 * 60_000, { zone: "Asia/Tokyo" }).toISODate();
    expect((await rolledDays()).map((r) => r.rolled_through)).toEqual([today, today]);
    expect(await answers()).toEqual(live);
  });
});
