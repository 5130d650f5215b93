import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyLedger } from "../../src/ledger/ledger.verify.ts";
import { ok, readLive, rolledDays as rolledDaysOf, Shop } from "../helpers/rollup-fixtures.ts";
import { engines, startTestApp, type TestApp, type TestProgram, verifyCorrupted } from "../helpers/test-app.ts";

/**
 * The report rollups change no figure: every report that reads them answers exactly what its live
 * query answers over the same data, for ranges of every shape, when the rollups are caught up, when
 * back-dated changes arrived after the last tick (late purchases, returns of old purchases, claims
 * of old guest purchases, adjustments), after the next tick, and after the programme's time zone
 * changed (the rollups of the old zone are not used, then rebuilt).
 *
 * The reference is the live path itself: with the rollups' state rows removed (the reports then
 * read every day live), put back afterwards.
 */

const START = Date.parse("2026-03-01T12:00:00Z");
const DAY = 86_400_000;

describe.each(engines())("report rollups on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  const shop = new Shop(
    () => t,
    () => p,
    13,
  );
  const { rand, members } = shop;

  /** A day of business at `day` days after 1 March: enrolments, purchases (some dated days back), returns, adjustments. */
  async function businessDay(day: number) {
    t.clock.set(new Date(START + day * DAY + Math.floor(rand() * 8) * 3_600_000));
    await shop.enrol(3, 0.4);
    for (let i = 0; i < 4; i++) {
      const occurredAt = shop.occurredAt(0.25, 20);
      if (rand() < 0.2) await shop.guestPurchase(shop.amount(500, 5_000), occurredAt);
      else await shop.memberPurchase(() => shop.amount(500, 10_000), occurredAt);
    }
    await shop.returnOne(0.5, 0.5);
    if (rand() < 0.4) {
      ok(
        await p.call("POST", `/v1/members/${shop.pick(members)}/adjustments`, {
          points: rand() < 0.7 ? 25 : -5,
          reason: "Goodwill",
        }),
        201,
      );
    }
    await shop.claim(0.3);
  }

  const URLS = [
    "/v1/reports/overview?from=2026-03-01&to=2026-04-20&interval=week",
    "/v1/reports/overview?from=2026-03-09&to=2026-03-30&interval=day",
    "/v1/reports/overview",
    "/v1/reports/participation?from=2026-03-01&to=2026-04-20&interval=week",
    "/v1/reports/participation?from=2026-03-03&to=2026-04-11&interval=month",
    "/v1/reports/participation?from=2026-03-10&to=2026-03-25&interval=day",
    "/v1/reports/points?from=2026-03-01&to=2026-04-20&interval=week",
    "/v1/reports/points?from=2026-03-05&to=2026-03-28&interval=day",
    "/v1/reports/redemption-frequency?from=2026-03-01&to=2026-04-20&interval=month",
    "/v1/reports/program-cost?from=2026-03-01&to=2026-04-20&interval=week",
    "/v1/reports/deferred-revenue?from=2026-03-01&to=2026-04-20&interval=week",
    "/v1/reports/deferred-revenue?from=2026-03-05&to=2026-03-28&interval=day",
  ];

  const answers = async () => Promise.all(URLS.map(async (url) => [url, ok(await p.call("GET", url))]));

  /** What the reports answer with every day read live. */
  const liveAnswers = () => readLive(t, p.id, answers);
  const rolledDays = () => rolledDaysOf(t, p.id, ["daily_flows", "daily_purchases", "deferred_revenue", "member_activity"]);

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
    for (let day = 0; day < 40; day++) await businessDay(day);
  }, 240_000);
  afterAll(async () => {
    const report = await t.app.services.verify();
    expect(report.checks.filter((c) => c.violations > 0)).toEqual([]);
    await t.close();
  });

  it("caught up, every report answers what its live query answers", async () => {
    const live = await answers();
    expect(await rolledDays()).toEqual([]);
    const days = await t.app.services.rollups.catchUp(t.clock.now(), p.id);
    expect(days).toBeGreaterThan(3 * 35);
    // Every whole day that ended ten minutes before now: up to yesterday (9 April, New York).
    expect(await rolledDays()).toEqual([
      { rollup: "daily_flows", rolled_through: "2026-04-09" },
      { rollup: "daily_purchases", rolled_through: "2026-04-09" },
      { rollup: "deferred_revenue", rolled_through: "2026-04-09" },
      { rollup: "member_activity", rolled_through: "2026-04-09" },
    ]);
    expect(await answers()).toEqual(live);
  });

  it("changes to rolled-up days after the last tick are read live, and the next tick folds them in", async () => {
    for (let day = 40; day < 46; day++) await businessDay(day);
    const live = await liveAnswers();
    expect(await answers()).toEqual(live);
    await t.app.services.rollups.tick(t.clock.now(), { programId: p.id });
    expect(await answers()).toEqual(live);
    // Ten minutes on, nothing new: the same answers from the rollups alone.
    t.clock.set(new Date(t.clock.now().getTime() + 11 * 60_000));
    await t.app.services.rollups.tick(t.clock.now(), { programId: p.id });
    expect(await answers()).toEqual(await liveAnswers());
  });

  it("rollups built in another time zone are not used, and are rebuilt in the new one", async () => {
    ok(await p.call("PATCH", "/v1/programs/current", { timezone: "Asia/Tokyo" }));
    const live = await liveAnswers();
    expect(await answers()).toEqual(live);
    await t.app.services.rollups.catchUp(t.clock.now(), p.id);
    expect((await rolledDays()).map((r) => r.rolled_through)).toEqual(["2026-04-16", "2026-04-16", "2026-04-16", "2026-04-16"]);
    expect(await answers()).toEqual(live);
  });

  it("verify finds a rolled-up figure that is not what the ledger and the events say", async () => {
    const app = t.app;
    const flagged = async (...corrupt: ReturnType<typeof sql>[]) =>
      (await verifyCorrupted(app, ...corrupt)).checks.filter((c) => c.violations > 0).map((c) => c.name);
    const day = sql`(select max(day) from report_daily_flows where program_id = ${p.id} and day < '2026-04-01')`;
    expect(
      await flagged(sql`update report_daily_flows set earned = earned + 1 where program_id = ${p.id} and day = ${day}`),
    ).toEqual(["flows_rollup_matches_postings"]);
    expect(
      await flagged(sql`delete from report_daily_purchases where program_id = ${p.id}
        and day = (select min(day) from report_daily_purchases where program_id = ${p.id})`),
    ).toEqual(["purchases_rollup_matches_events"]);
    const row = sql`(select member_id from report_member_days where program_id = ${p.id} and prev_day > '-infinity' limit 1)`;
    // (The rebuild's check too, unless another test file's server was ticking this rollup then.)
    const unlinked = await flagged(sql`update report_member_days set prev_day = '-infinity'
        where program_id = ${p.id} and member_id = ${row} and prev_day > '-infinity'`);
    expect(unlinked).toContain("active_pairs_match_member_days");
    expect(unlinked.filter((n) => n !== "rollup_member_activity_matches_rebuild")).toEqual(["active_pairs_match_member_days"]);
    expect(
      await flagged(
        sql`insert into report_member_days (program_id, member_id, day, prev_day)
          select program_id, member_id, '2026-03-02', '-infinity' from report_member_days
           where program_id = ${p.id} and day > '2026-03-10' and member_id not in (
             select member_id from report_member_days where program_id = ${p.id} and day <= '2026-03-10') limit 1`,
      ),
    ).toEqual(["activity_rollup_matches_activity", "active_pairs_match_member_days"]);
    expect(await flagged()).toEqual([]);
  });

  it("verify rebuilds every rollup's last days and finds a row that a rebuild would not write", async () => {
    const app = t.app;
    const db = app.services.database.db;
    // One row deleted and committed (other test files' servers tick every programme of the
    // database: a test transaction holding the row would keep their ticks, and so verify, waiting),
    // verify on this programme's rollups over every day it has, then the row put back.
    const flagged = async (rollup: string, table: string, where: ReturnType<typeof sql>) => {
      const name = sql.table(table);
      // The row as JSON text (not parsed: its numbers keep every digit).
      const gone = await sql<{ row: string; back: number }>`delete from ${name}
        where ctid = (select ctid from ${name} where ${where} limit 1)
        returning to_jsonb(${name}.*)::text as row,
          (select rolled_through from report_rollups where program_id = ${p.id} and rollup = ${rollup}) - day + 1 as back`.execute(
        db,
      );
      try {
        const checks = [...(await verifyLedger(db, app.services.clock.now())).checks];
        // The rebuild's window reaches back to the row's day, wherever the rollup has got to.
        checks.push(...(await app.services.rollups.verify(Math.max(14, Number(gone.rows[0]?.back ?? 0)), db, p.id)));
        return checks.filter((c) => c.violations > 0).map((c) => c.name);
      } finally {
        for (const r of gone.rows)
          await sql`insert into ${name} select * from jsonb_populate_record(null::${name}, ${r.row}::jsonb)`.execute(db);
      }
    };
    const recent = sql`(select rolled_through - 10 from report_rollups where program_id = ${p.id} and rollup = 'daily_flows')`;
    let tried = 0;
    for (const def of app.services.rollups.definitions) {
      for (const table of def.verifiedTables ?? def.tables) {
        const name = sql.table(table);
        const rows = await sql<{ n: string }>`select count(*) as n from ${name}
          where program_id = ${p.id} and day >= ${recent}`.execute(db);
        if (Number(rows.rows[0]?.n) === 0) continue;
        tried++;
        // One recent row gone: a row a rebuild would not leave as it is.
        const gone = await flagged(def.name, table, sql`program_id = ${p.id} and day >= ${recent}`);
        // The counts by previous day are kept by adding and taking away: their own check finds them.
        const pairs: Record<string, string> = {
          report_active_pairs: "active_pairs_match_member_days",
          report_redeemer_pairs: "redeemer_pairs_match_redeemer_days",
          report_paid_buyer_pairs: "paid_buyer_pairs_match_buyer_days",
          report_cohort_firsts: "cohort_firsts_match_buyer_days",
        };
        expect(gone, table).toContain(pairs[table] ?? `rollup_${def.name}_matches_rebuild`);
      }
    }
    expect(tried).toBeGreaterThanOrEqual(8);
    const clean = [...(await verifyLedger(db, app.services.clock.now())).checks];
    clean.push(...(await app.services.rollups.verify(undefined, db, p.id)));
    expect(clean.filter((c) => c.violations > 0)).toEqual([]);
  });
});
