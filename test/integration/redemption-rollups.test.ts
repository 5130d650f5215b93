import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom as random } from "../../src/demo/demo.plan.ts";
import { readLive } from "../helpers/rollup-fixtures.ts";
import { engines, type HttpResult, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * The redemption rollup (migration 0020) changes no figure: redemption frequency, reward patterns
 * (the list and each reward) and the overview's top rewards answer exactly what their live
 * queries answer, caught up, after changes to rolled-up days since the last tick (old redemptions
 * cancelled, old vouchers used, reservations confirmed), after the next tick, and across a time
 * zone change. The reference is the live path itself: the rollups' state rows set aside.
 */

function ok(res: HttpResult, status = 200) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

const START = Date.parse("2026-03-01T12:00:00Z");
const DAY = 86_400_000;

interface Done {
  id: string;
  vouchers: string[];
  day: number;
}

describe.each(engines())("redemption rollups on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  const rand = random(20);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const members: string[] = [];
  const rewards: string[] = [];
  /** Completed redemptions not cancelled, with their unused vouchers. */
  const done: Done[] = [];
  const reserved: string[] = [];

  async function redeem(day: number) {
    const reserve = rand() < 0.2;
    const res = await p.call("POST", `/v1/members/${pick(members)}/redemptions`, {
      rewardId: pick(rewards),
      quantity: rand() < 0.2 ? 2 : 1,
      ...(reserve ? { reserve: true, holdSeconds: 3 * 86_400 } : {}),
    });
    if (res.status !== 201) return;
    if (reserve) reserved.push(res.body.id);
    else done.push({ id: res.body.id, vouchers: res.body.vouchers.map((v: { code: string }) => v.code), day });
  }

  async function cancel(r: Done) {
    const res = await p.call("POST", `/v1/redemptions/${r.id}/cancel`, {});
    if (res.status === 200) done.splice(done.indexOf(r), 1);
    return res.status === 200;
  }

  /** Cancels up to `n` of the candidates (one with a used or expired voucher cannot be). */
  async function cancelSome(candidates: Done[], n: number) {
    let cancelled = 0;
    for (const r of candidates) {
      if (cancelled >= n) break;
      if (await cancel(r)) cancelled += 1;
    }
    return cancelled;
  }

  async function use(r: Done) {
    const code = r.vouchers.shift();
    if (code) await p.call("POST", `/v1/vouchers/${code}/redeem`, {});
  }

  /** A day of business: enrolments with points, redemptions, a confirmation, a cancellation, vouchers used. */
  async function businessDay(day: number) {
    t.clock.set(new Date(START + day * DAY + Math.floor(rand() * 10) * 3_600_000));
    if (members.length < 4 || rand() < 0.5) {
      const id = await p.createMember({ name: `M${members.length}` });
      ok(await p.call("POST", `/v1/members/${id}/adjustments`, { points: 2_000, reason: "Welcome" }), 201);
      members.push(id);
    }
    for (let i = 0; i < 3; i++) if (rand() < 0.7) await redeem(day);
    if (reserved.length > 0 && rand() < 0.5) {
      const id = reserved.shift() as string;
      const res = await p.call("POST", `/v1/redemptions/${id}/confirm`, {});
      if (res.status === 200) done.push({ id, vouchers: res.body.vouchers.map((v: { code: string }) => v.code), day });
    }
    if (done.length > 3 && rand() < 0.3) await cancel(pick(done.slice(-10)));
    if (done.length > 0 && rand() < 0.4) await use(pick(done));
  }

  const urls = () => [
    "/v1/reports/redemption-frequency?from=2026-03-01&to=2026-04-25&interval=month",
    "/v1/reports/redemption-frequency?from=2026-03-02&to=2026-04-20&interval=week",
    "/v1/reports/redemption-frequency?from=2026-03-05&to=2026-03-29&interval=day",
    "/v1/reports/redemption-frequency",
    "/v1/reports/rewards?from=2026-03-01&to=2026-04-25",
    "/v1/reports/rewards?from=2026-03-10&to=2026-03-31",
    "/v1/reports/rewards",
    ...rewards.flatMap((id) => [
      `/v1/reports/rewards/${id}?from=2026-03-01&to=2026-04-25&interval=week`,
      `/v1/reports/rewards/${id}?from=2026-03-08&to=2026-03-27&interval=day`,
    ]),
    "/v1/reports/overview?from=2026-03-01&to=2026-04-25&interval=week",
    "/v1/reports/overview?from=2026-03-12&to=2026-03-30&interval=day",
  ];

  const answers = async () => Promise.all(urls().map(async (url) => [url, ok(await p.call("GET", url))]));

  /** What the reports answer with every day read live (the members' balance snapshot set aside too). */
  const liveAnswers = () => readLive(t, p.id, answers);

  const rolledThrough = async () =>
    (
      await sql<{ rolled_through: string }>`select to_char(rolled_through, 'YYYY-MM-DD') as rolled_through
        from report_rollups where program_id = ${p.id} and rollup = 'redemptions'`.execute(t.app.services.database.db)
    ).rows[0]?.rolled_through;

  beforeAll(async () => {
    t = await startTestApp(engine, new Date(START).toISOString());
    p = await t.createProgram({ timezone: "America/New_York" });
    const reward = async (name: string, cost: number, extra: Record<string, unknown> = {}) => {
      const body = { name, type: "free_product", value: { sku: name.toUpperCase() }, costPoints: cost, ...extra };
      rewards.push(ok(await p.call("POST", "/v1/rewards", body), 201).id);
    };
    await reward("Coffee", 100, { voucherValidDays: 7 });
    await reward("Mug", 300, { codeFormat: { type: "none" } });
    await reward("Tote", 250, { voucherValidDays: 30 });
    await reward("Cake", 150);
    for (let day = 0; day < 40; day++) await businessDay(day);
  }, 240_000);
  afterAll(async () => {
    const report = await t.app.services.verify();
    expect(report.checks.filter((c) => c.violations > 0)).toEqual([]);
    await t.close();
  });

  it("caught up, every redemption report answers what its live query answers", async () => {
    const live = await answers();
    await t.app.services.rollups.catchUp(t.clock.now(), p.id);
    expect(await rolledThrough()).toBe("2026-04-09");
    expect(await answers()).toEqual(live);
  });

  it("old redemptions cancelled and old vouchers used after the last tick are read live, and the next tick folds them in", async () => {
    for (let day = 40; day < 44; day++) await businessDay(day);
    // Cancel old redemptions (weeks back: each is some member's first, or between two others),
    // and use vouchers issued days ago.
    const old = done.filter((r) => r.day < 30);
    expect(await cancelSome(old.slice(0, 5), 1)).toBe(1);
    expect(await cancelSome(old.slice(Math.floor(old.length / 2)), 1)).toBe(1);
    expect(await cancelSome(old.slice(-6).reverse(), 1)).toBe(1);
    for (const r of done.filter((d) => d.day >= 38 && d.day < 40).slice(0, 2)) await use(r);
    const live = await liveAnswers();
    expect(await answers()).toEqual(live);
    await t.app.services.rollups.tick(t.clock.now(), { programId: p.id });
    expect(await answers()).toEqual(live);
    // After the last tick: another old one cancelled, read live again.
    t.clock.set(new Date(t.clock.now().getTime() + 60_000));
    expect(
      await cancelSome(
        done.filter((r) => r.day < 35 && r.day > 5),
        1,
      ),
    ).toBe(1);
    expect(await answers()).toEqual(await liveAnswers());
    // Ten minutes on: the same answers from the rollups alone.
    t.clock.set(new Date(t.clock.now().getTime() + 11 * 60_000));
    await t.app.services.rollups.tick(t.clock.now(), { programId: p.id });
    expect(await answers()).toEqual(await liveAnswers());
  });

  it("rollups built in another time zone are not used, and are rebuilt in the new one", async () => {
    ok(await p.call("PATCH", "/v1/programs/current", { timezone: "Asia/Tokyo" }));
    const live = await liveAnswers();
    expect(await answers()).toEqual(live);
    await t.app.services.rollups.catchUp(t.clock.now(), p.id);
    expect(await answers()).toEqual(live);
  });
});
