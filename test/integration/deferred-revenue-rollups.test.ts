import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { purchase } from "../helpers/events.ts";
import { ok, readLive, Shop } from "../helpers/rollup-fixtures.ts";
import { engines, type Json, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * The deferred revenue report answers the same from its rollup (report_deferred_days and
 * report_deferred_layers, kept by the jobs) as from its live query, whatever the rollup's state:
 * caught up; after back-dated changes recorded since the last tick (late purchases, returns and
 * claims of old purchases, redemptions, adjustments); after expiries the jobs post late into
 * rolled-up days (which also change the history the expected rate is measured from, so rolled-up
 * sales were allocated with a rate no longer in force); after a back-dated estimate and a new point
 * value (the same); after the next tick; and after the programme's time zone changed.
 *
 * The programme issued its first points in January 2025 and runs daily from January 2026, so the
 * rate comes from its own history from February 2026 (a year of points, more than 1,000 settled).
 * The reference is the live path itself: the rollups' state rows set aside (every day read live).
 */

const START = Date.parse("2026-01-05T14:00:00Z");
const DAY = 86_400_000;

const URLS = [
  "/v1/reports/deferred-revenue?from=2025-01-01&to=2025-12-31&interval=quarter",
  "/v1/reports/deferred-revenue?from=2025-12-01&to=2026-04-30&interval=month",
  "/v1/reports/deferred-revenue?from=2026-01-01&to=2026-03-31&interval=week",
  "/v1/reports/deferred-revenue?from=2026-01-20&to=2026-02-12&interval=day",
  "/v1/reports/deferred-revenue",
  "/v1/programs/current/redemption-estimates",
];

describe.each(engines())("deferred revenue rollup on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  let reward: string;
  const shop = new Shop(
    () => t,
    () => p,
    52,
  );
  const { rand, members } = shop;
  const pick = <T>(xs: T[]): T => shop.pick(xs);

  const at = (ms: number) => t.clock.set(new Date(ms));
  const db = () => t.app.services.database.db;

  /** A day of business `day` days after 5 January 2026: purchases (some dated back), returns, redemptions, adjustments, claims. */
  async function businessDay(day: number, jobs = true) {
    at(START + day * DAY + Math.floor(rand() * 8) * 3_600_000);
    await shop.enrol(4, 0.3);
    for (let i = 0; i < 3; i++) {
      const occurredAt = shop.occurredAt(0.3, 25);
      if (rand() < 0.15) await shop.guestPurchase(shop.amount(1_000, 20_000), occurredAt);
      else await shop.memberPurchase(() => shop.amount(1_000, 30_000), occurredAt);
    }
    await shop.returnOne(0.35, 0.5);
    for (let i = 0; i < 2; i++) {
      if (rand() < 0.6) await p.call("POST", `/v1/members/${pick(members)}/redemptions`, { rewardId: reward });
    }
    if (rand() < 0.3) {
      // A negative one may be refused (nothing left to take): then nothing changes.
      await p.call("POST", `/v1/members/${pick(members)}/adjustments`, { points: rand() < 0.6 ? 40 : -10, reason: "Goodwill" });
    }
    await shop.claim(0.25);
    // The jobs run on some days only: the others' expiries are posted late, back-dated to when the points expired.
    if (jobs && rand() < 0.3) ok(await p.call("POST", "/v1/jobs/run", {}));
  }

  const answers = async () => Promise.all(URLS.map(async (url) => [url, ok(await p.call("GET", url))]));

  /** What the report answers with every day read live. */
  const liveAnswers = () => readLive(t, p.id, answers);

  const state = async () =>
    (
      await sql<{ rolled_through: string }>`select to_char(rolled_through, 'YYYY-MM-DD') as rolled_through from report_rollups
        where program_id = ${p.id} and rollup = 'deferred_revenue'`.execute(db())
    ).rows[0]?.rolled_through;

  /** The rates and point values the rolled-up sales were allocated with, by day. */
  const prices = async () =>
    (
      await sql<{ day: string; rate: string; point_value: string }>`
        select to_char(day, 'YYYY-MM-DD') as day, rate::text as rate, point_value::text as point_value from report_deferred_days
         where program_id = ${p.id} and purchases > 0 order by day`.execute(db())
    ).rows;

  /** Ticks, then checks the answers, then ticks ten minutes on (everything folded in) and checks again. */
  async function tickAndCompare(live: Json[]) {
    await t.app.services.rollups.tick(t.clock.now(), { programId: p.id });
    expect(await answers()).toEqual(live);
    at(t.clock.now().getTime() + 11 * 60_000);
    await t.app.services.rollups.tick(t.clock.now(), { programId: p.id });
    expect(await answers()).toEqual(await liveAnswers());
  }

  beforeAll(async () => {
    t = await startTestApp(engine, "2025-01-06T15:00:00Z");
    p = await t.createProgram({
      timezone: "America/New_York",
      unknownMemberPolicy: "guest",
      pointsExpiry: { policy: "fixed_period", months: 1 },
    });
    ok(
      await p.call("POST", "/v1/rules", {
        name: "1 point per dollar",
        trigger: "purchase",
        effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
        inForceFrom: "2025-01-01T00:00:00Z",
      }),
      201,
    );
    reward = ok(
      await p.call("POST", "/v1/rewards", { name: "Mug", type: "free_product", value: { sku: "MUG" }, costPoints: 60 }),
      201,
    ).id;
    // January 2025: the first points, most of them expired in February, some redeemed.
    for (let i = 0; i < 4; i++) {
      const m = await p.createMember({ name: `Early ${i}` });
      members.push(m);
      ok(await p.call("POST", "/v1/events", purchase(m, 60_000)), 201);
      if (i < 2) for (let k = 0; k < 5; k++) ok(await p.call("POST", `/v1/members/${m}/redemptions`, { rewardId: reward }), 201);
    }
    at(Date.parse("2025-02-20T15:00:00Z"));
    ok(await p.call("POST", "/v1/jobs/run", {}));
    for (let day = 0; day < 36; day++) await businessDay(day);
  }, 300_000);
  afterAll(async () => {
    const report = await t.app.services.verify();
    expect(report.checks.filter((c) => c.violations > 0)).toEqual([]);
    await t.close();
  });

  it("caught up, answers what the live query answers, with the rate from the programme's history", async () => {
    const live = await answers();
    expect(await state()).toBeUndefined();
    await t.app.services.rollups.catchUp(t.clock.now(), p.id);
    // Every whole day that ended ten minutes before now (10 February 2026, New York): up to yesterday.
    expect(await state()).toBe("2026-02-09");
    expect(await answers()).toEqual(live);
    const rates = await prices();
    expect(rates[0]).toMatchObject({ day: "2025-01-06", rate: "1" });
    expect(rates.filter((r) => r.day >= "2026-02-01").every((r) => r.rate !== "1")).toBe(true);
    // The January 2026 report read nothing of the range live but the changes since the watermark.
    const monthly = live.find(([url]) => url === URLS[1])?.[1];
    expect(monthly.periods.map((r: Json) => r.rateSource)).toEqual(["default", "default", "history", "history", "history"]);
  });

  it("reads changes recorded after the last tick live, back-dated into rolled-up days, and the next ticks fold them in", async () => {
    for (let day = 36; day < 44; day++) await businessDay(day);
    const live = await liveAnswers();
    expect(await answers()).toEqual(live);
    await tickAndCompare(live);
  });

  it("reads live the days expiries posted late by the jobs change, and the days they reprice, until the jobs rebuild them", async () => {
    // Three weeks on, a week of business in March with no jobs run: the days roll up before February's expiries are posted.
    for (let day = 63; day < 68; day++) await businessDay(day, false);
    at(START + 69 * DAY);
    await t.app.services.rollups.tick(t.clock.now(), { programId: p.id });
    const before = await prices();
    const late = ok(await p.call("POST", "/v1/jobs/run", {}));
    expect(late.expiries).toBeGreaterThan(5);
    const live = await liveAnswers();
    expect(await answers()).toEqual(live);
    await tickAndCompare(live);
    // The expiries changed the history measured at later month starts: those months' days were allocated again.
    const after = await prices();
    expect(after.filter((r, i) => r.rate !== before[i]?.rate).length).toBeGreaterThan(0);
  });

  it("reads live the rolled-up days a back-dated estimate or a new point value reprices, until the jobs rebuild them", async () => {
    ok(
      await p.call("POST", "/v1/programs/current/redemption-estimates", {
        rate: 0.8,
        effectiveFrom: "2026-01-20",
        note: "Review",
      }),
      201,
    );
    const live = await liveAnswers();
    expect(await answers()).toEqual(live);
    ok(await p.call("PATCH", "/v1/programs/current", { pointValue: 2 }));
    const repriced = await liveAnswers();
    expect(repriced).not.toEqual(live);
    expect(await answers()).toEqual(repriced);
    await tickAndCompare(repriced);
    const rows = await prices();
    expect(rows.filter((r) => r.day >= "2026-01-20").every((r) => r.rate === "0.8" && r.point_value === "2")).toBe(true);
    expect(rows.filter((r) => r.day < "2026-01-20").every((r) => r.rate !== "0.8" && r.point_value === "2")).toBe(true);
  });

  it("does not use the rollup built in another time zone, and rebuilds it in the new one", async () => {
    ok(await p.call("PATCH", "/v1/programs/current", { timezone: "Asia/Tokyo" }));
    const live = await liveAnswers();
    expect(await answers()).toEqual(live);
    await t.app.services.rollups.catchUp(t.clock.now(), p.id);
    expect(await answers()).toEqual(live);
  });
});
