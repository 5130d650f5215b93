import { sql } from "kysely";
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom as random } from "../../src/demo/demo.plan.ts";
import { purchase } from "../helpers/events.ts";
import { engines, type HttpResult, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * The finance reports read rollups (points on lots per day for the liability, the daily flows
 * for breakage and programme cost, partner funding, purchases for member revenue) and answer
 * exactly what they answer live: for every day's end, now, the month ends, ranges of every shape;
 * caught up, after back-dated changes arrive after the last tick (late purchases, reversals that
 * leave debt, expiries and activations the ledger records later dated when they fell due, holds
 * timing out), after the next tick, and after the programme's time zone changed.
 *
 * The reference is the live path: with the rollups' state rows removed, put back afterwards.
 */

function ok(res: HttpResult, status = 200) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

const START = Date.parse("2026-03-01T12:00:00Z");
const DAY = 86_400_000;
let zone = "America/New_York";
/** The programme's day of an instant. */
const dayOf = (ms: number) => DateTime.fromMillis(ms, { zone }).toISODate() ?? "";

describe.each(engines())("finance rollups on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  const rand = random(21);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const members: string[] = [];
  const earns: string[] = [];
  let coffee: string;

  /** A day of business: enrolments, purchases (some dated back, some at a partner), redemptions, reservations, reversals, adjustments. */
  async function businessDay(day: number) {
    t.clock.set(new Date(START + day * DAY + Math.floor(rand() * 10) * 3_600_000));
    if (members.length < 3 || rand() < 0.4) members.push(await p.createMember({ name: `M${members.length}` }));
    for (let i = 0; i < 4; i++) {
      const back = rand() < 0.25 ? Math.floor(rand() * 25) : 0;
      const occurredAt = new Date(t.clock.now().getTime() - back * DAY - Math.floor(rand() * 5) * 3_600_000).toISOString();
      const event = purchase(pick(members), 1_000 + Math.floor(rand() * 6_000), {
        occurredAt,
        ...(rand() < 0.3 && { partnerId: "acme" }),
      });
      const res = ok(await p.call("POST", "/v1/events", event), 201);
      if (res.transactionId) earns.push(res.transactionId);
    }
    if (day % 7 === 3) {
      // A member spends points then loses the purchase that earned them: a debt, paid by points
      // that become available later (a pending credit in a few days).
      const m = await p.createMember({ name: `D${day}` });
      members.push(m);
      const earn = ok(await p.call("POST", "/v1/events", purchase(m, 6_000)), 201);
      ok(await p.call("POST", `/v1/members/${m}/redemptions`, { rewardId: coffee }), 201);
      ok(await p.call("POST", `/v1/ledger/transactions/${earn.transactionId}/reverse`, { reason: "Charged back" }), 201);
      ok(
        await p.call("POST", `/v1/members/${m}/adjustments`, {
          points: 20,
          reason: "Goodwill",
          availableAt: new Date(t.clock.now().getTime() + 3 * DAY).toISOString(),
        }),
        201,
      );
    }
    if (rand() < 0.6) {
      // Fails when the member has too few points: nothing is written then.
      await p.call("POST", `/v1/members/${pick(members)}/redemptions`, { rewardId: coffee });
    }
    if (rand() < 0.5) {
      await p.call("POST", `/v1/members/${pick(members)}/redemptions`, {
        rewardId: coffee,
        reserve: true,
        holdSeconds: 3_600 * (1 + Math.floor(rand() * 24)),
      });
    }
    if (earns.length > 0 && rand() < 0.3) {
      const txn = earns.splice(Math.floor(rand() * earns.length), 1)[0];
      await p.call("POST", `/v1/ledger/transactions/${txn}/reverse`, { reason: "Charged back" });
    }
    if (rand() < 0.4) {
      const delay = Math.floor(rand() * 4);
      const credit = rand() < 0.8;
      // A debit larger than the balance is refused: nothing is written then.
      await p.call("POST", `/v1/members/${pick(members)}/adjustments`, {
        points: credit ? 20 + Math.floor(rand() * 40) : -5,
        reason: "Goodwill",
        ...(credit && delay > 0 && { availableAt: new Date(t.clock.now().getTime() + delay * DAY).toISOString() }),
        ...(credit &&
          rand() < 0.3 && { expiresAt: rand() < 0.5 ? null : new Date(t.clock.now().getTime() + 10 * DAY).toISOString() }),
      });
    }
  }

  /** Every third day's end from 1 March to yesterday, today, and month ends; breakage and programme cost over several ranges. */
  function urls() {
    const today = dayOf(t.clock.now().getTime());
    const out = ["/v1/reports/liability"];
    for (let d = START; dayOf(d) < today; d += 3 * DAY) out.push(`/v1/reports/liability?asOf=${dayOf(d)}`);
    out.push(`/v1/reports/liability?asOf=${dayOf(t.clock.now().getTime() - DAY)}`, `/v1/reports/liability?asOf=${today}`);
    out.push(
      "/v1/reports/liability/month-ends?from=2026-02",
      "/v1/reports/breakage?from=2026-03-01&to=2026-04-20&interval=week",
      "/v1/reports/breakage?from=2026-03-05&to=2026-03-28&interval=day",
      "/v1/reports/breakage",
      "/v1/reports/program-cost?from=2026-03-01&to=2026-04-20&interval=week",
      "/v1/reports/program-cost?from=2026-03-03&to=2026-04-11&interval=month",
      "/v1/reports/program-cost",
    );
    return out;
  }

  const answers = async () => Promise.all(urls().map(async (url) => [url, ok(await p.call("GET", url))]));

  async function liveAnswers() {
    const db = t.app.services.database.db;
    const saved = await sql<Record<string, unknown>>`select * from report_rollups where program_id = ${p.id}`.execute(db);
    await sql`delete from report_rollups where program_id = ${p.id}`.execute(db);
    try {
      return await answers();
    } finally {
      for (const row of saved.rows) {
        await sql`insert into report_rollups (program_id, rollup, timezone, rolled_through, watermark, updated_at)
          values (${row.program_id}, ${row.rollup}, ${row.timezone}, ${row.rolled_through}, ${row.watermark}, ${row.updated_at})`.execute(
          db,
        );
      }
    }
  }

  /** The live answers, then the rollup's, compared URL by URL (a failure names the URL). */
  async function compare() {
    const live = await liveAnswers();
    const rolled = await answers();
    for (let i = 0; i < live.length; i++) expect(rolled[i]).toEqual(live[i]);
  }

  beforeAll(async () => {
    zone = "America/New_York";
    t = await startTestApp(engine, new Date(START).toISOString());
    p = await t.createProgram({
      timezone: "America/New_York",
      pointsExpiry: { policy: "fixed_period", months: 1 },
      clawbackPolicy: "allow_debt",
    });
    ok(
      await p.call("POST", "/v1/rules", {
        name: "Base",
        trigger: "purchase",
        inForceFrom: "2026-01-01T00:00:00Z",
        effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
      }),
      201,
    );
    ok(
      await p.call("POST", "/v1/rules", {
        name: "Acme",
        trigger: "purchase",
        inForceFrom: "2026-01-01T00:00:00Z",
        conditions: [{ type: "partner", in: ["acme"] }],
        effect: { type: "points_per_amount", points: 1, per: 200, rounding: "floor" },
        fundedBy: "partner",
        pendingDays: 5,
        expiry: { policy: "fixed_period", months: 2 },
      }),
      201,
    );
    coffee = ok(
      await p.call("POST", "/v1/rewards", {
        name: "Coffee",
        type: "free_product",
        value: { sku: "C" },
        costPoints: 30,
        unitCost: 120,
      }),
      201,
    ).id;
    for (let day = 0; day < 40; day++) await businessDay(day);
  }, 300_000);
  afterAll(async () => {
    const report = await t.app.services.verify();
    expect(report.checks.filter((c) => c.violations > 0)).toEqual([]);
    await t.close();
  });

  it("caught up, every finance report answers what its live query answers", async () => {
    await t.app.services.rollups.catchUp(t.clock.now(), p.id);
    const rolled = await sql<{ rollup: string }>`select rollup from report_rollups where program_id = ${p.id}
      and rollup in ('daily_lot_points', 'daily_partner_funding')`.execute(t.app.services.database.db);
    expect(rolled.rows).toHaveLength(2);
    await compare();
    // The story has every kind of figure the rollups must get right.
    const all = (await answers()).map(([, body]) => body);
    const liabilities = all.filter((b) => b.heldPoints !== undefined);
    for (const key of ["availablePoints", "pendingPoints", "heldPoints", "debtPoints"])
      expect(
        liabilities.some((l) => l[key] > 0),
        key,
      ).toBe(true);
    expect(liabilities.some((l) => l.buckets.filter((b: { points: number }) => b.points > 0).length >= 3)).toBe(true);
    expect(all.some((b) => b.totals?.expired > 0)).toBe(true);
    expect(all.some((b) => b.partners?.length > 0)).toBe(true);
  }, 120_000);

  it("back-dated changes after the last tick are read live, and the next tick folds them in", async () => {
    // Days of business without the jobs: late purchases, reversals, and each write's settling of
    // its member's due work (expiries, activations, holds timing out) dated when it fell due.
    for (let day = 40; day < 46; day++) await businessDay(day);
    await compare();
    await t.app.services.rollups.tick(t.clock.now(), { programId: p.id });
    await compare();
    // The jobs record every member's due work, dated in the past; read before and after the next tick.
    ok(await p.call("POST", "/v1/jobs/run", {}));
    await compare();
    t.clock.set(new Date(t.clock.now().getTime() + 11 * 60_000));
    await t.app.services.rollups.tick(t.clock.now(), { programId: p.id });
    await compare();
  }, 180_000);

  it("reads a moment late in the day (lots expiring, activating, holds timing out today) exactly", async () => {
    for (const hour of [3, 9, 15, 22]) {
      const midnight = DateTime.fromMillis(t.clock.now().getTime(), { zone }).startOf("day").toMillis();
      t.clock.set(new Date(Math.max(t.clock.now().getTime(), midnight + hour * 3_600_000)));
      await compare();
    }
  }, 120_000);

  it("rollups built in another time zone are not used, and are rebuilt in the new one", async () => {
    ok(await p.call("PATCH", "/v1/programs/current", { timezone: "Asia/Tokyo" }));
    zone = "Asia/Tokyo";
    await compare();
    await t.app.services.rollups.catchUp(t.clock.now(), p.id);
    await compare();
  }, 120_000);
});
