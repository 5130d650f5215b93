import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom as random } from "../../src/demo/demo.plan.ts";
import { readLive, silverAndGoldOutOfReach } from "../helpers/rollup-fixtures.ts";
import { engines, type HttpResult, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * The members' balance snapshot (migration 0026, src/reports/member-balances.*) changes no figure:
 * the reward report (the list and each reward) answers exactly what the live query
 * (reward-report.sql.ts `membersInReach`, every spendable lot read) answers, whatever state the
 * snapshot is in: never built, built, then points earned, spent, transferred and held since its
 * instant, time moved past lots' expiry and activation and holds' time-out with the jobs not run,
 * the jobs run, and the snapshot brought forward by later ticks. The reference is the live path
 * itself: the snapshot's instant set aside (the report then reads every lot), then put back.
 */

function ok(res: HttpResult, status = 200) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

const START = Date.parse("2026-03-01T12:00:00Z");
const DAY = 86_400_000;
const MINUTE = 60_000;

describe.each(engines())("members' balance snapshot on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  const rand = random(26);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const members: string[] = [];
  const ids: Record<string, string> = {};
  const rewards: string[] = [];
  const db = () => t.app.services.database.db;
  const now = () => t.clock.now().getTime();
  const at = (ms: number) => new Date(ms).toISOString();

  /** Points for a member: some expiring within days, some pending for a while, most plain. */
  async function credit(member: string) {
    const points = 20 + Math.floor(rand() * 400);
    const r = rand();
    const extra =
      r < 0.25
        ? { expiresAt: at(now() + Math.floor(1 + rand() * 5) * DAY + Math.floor(rand() * 600) * MINUTE) }
        : r < 0.4
          ? { availableAt: at(now() + Math.floor(rand() * 4) * DAY + 30 * MINUTE) }
          : {};
    ok(await p.call("POST", `/v1/members/${member}/adjustments`, { points, reason: "Bonus", ...extra }), 201);
  }

  /** Something recorded: a credit, a redemption, a transfer, a hold that times out, a debit. */
  async function change() {
    const r = rand();
    const who = pick(members);
    if (r < 0.35) await credit(who);
    else if (r < 0.55) await p.call("POST", `/v1/members/${who}/redemptions`, { rewardId: pick(rewards) });
    else if (r < 0.7)
      await p.call("POST", "/v1/transfers", { fromMemberId: who, toMemberId: pick(members), points: 30, reason: "Gift" });
    else if (r < 0.85)
      await p.call("POST", `/v1/members/${who}/holds`, { points: 40, ttlSeconds: Math.floor(1 + rand() * 90) * 60 });
    else await p.call("POST", `/v1/members/${who}/adjustments`, { points: -25, reason: "Correction" });
  }

  async function changes(n: number, stepMs: number) {
    for (let i = 0; i < n; i++) {
      t.clock.set(new Date(now() + stepMs));
      await change();
    }
  }

  const urls = () => [
    "/v1/reports/rewards?from=2026-03-01&to=2026-04-30",
    "/v1/reports/rewards?from=2026-03-10&to=2026-03-20",
    ...rewards.map((id) => `/v1/reports/rewards/${id}?from=2026-03-01&to=2026-04-30&interval=month`),
  ];

  const answers = async () => Promise.all(urls().map(async (url) => [url, ok(await p.call("GET", url))]));

  const asOfRow = async () =>
    (await sql<{ as_of: Date }>`select as_of from report_member_balances_as_of where program_id = ${p.id}`.execute(db())).rows[0];

  /** What the report answers from every spendable lot: the snapshot's instant set aside, then put back. */
  const liveAnswers = () => readLive(t, p.id, answers, "snapshot");

  /** The report answers what the live query answers, and says something (someone is within reach). */
  async function expectExact() {
    const live = await liveAnswers();
    const list = live[0]?.[1] as { rewards: { membersWithinReach: number | null }[] };
    expect(list.rewards.some((r) => (r.membersWithinReach ?? 0) > 0)).toBe(true);
    expect(await answers()).toEqual(live);
  }

  const tick = () => t.app.services.rollups.tick(t.clock.now(), { programId: p.id });

  beforeAll(async () => {
    t = await startTestApp(engine, new Date(START).toISOString());
    p = await t.createProgram({ timezone: "Europe/Paris" });
    const gold = await silverAndGoldOutOfReach(p);
    const reward = async (name: string, cost: number, extra: Record<string, unknown> = {}) => {
      const body = { name, type: "free_product", value: { sku: name.toUpperCase() }, costPoints: cost, ...extra };
      rewards.push(ok(await p.call("POST", "/v1/rewards", body), 201).id);
    };
    const none = { codeFormat: { type: "none" } };
    await reward("Coffee", 100, none);
    await reward("Mug", 300, none);
    await reward("Spa", 500, { ...none, segments: ["vip"] });
    await reward("Lounge", 250, { ...none, minTierId: gold });
    for (let i = 0; i < 30; i++) {
      const vip = rand() < 0.3;
      const id = await p.createMember({ name: `M${i}`, ...(vip ? { attributes: { segments: ["vip"] } } : {}) });
      members.push(id);
      await credit(id);
      if (rand() < 0.5) await credit(id);
      if (rand() < 0.2) ok(await p.call("POST", `/v1/members/${id}/tier`, { tierId: gold, locked: true, reason: "Partner" }));
      if (rand() < 0.1) ok(await p.call("PATCH", `/v1/members/${id}`, { status: "blocked" }));
    }
    // Ten days of business, every few hours.
    await changes(80, 3 * 3_600_000);
    // Recorded before the snapshot is built, each changing later by one thing only: points that
    // expire in a day and a half, a hold of all a member's points that times out in a day, and a
    // member with none who will be given some (the transfer's receiver).
    const named = async (name: string, points: number, extra: Record<string, unknown> = {}) => {
      ids[name] = await p.createMember({ name });
      if (points > 0)
        ok(await p.call("POST", `/v1/members/${ids[name]}/adjustments`, { points, reason: "Opening", ...extra }), 201);
    };
    await named("Expirer", 500, { expiresAt: at(now() + 1.5 * DAY) });
    await named("Holder", 150);
    ok(await p.call("POST", `/v1/members/${ids.Holder}/holds`, { points: 150, ttlSeconds: 86_400 }), 201);
    await named("Giver", 1000);
    await named("Receiver", 0);
  }, 240_000);
  afterAll(async () => {
    const report = await t.app.services.verify();
    expect(report.checks.filter((c) => c.violations > 0)).toEqual([]);
    await t.close();
  });

  it("never built, the report reads every lot", async () => {
    expect(await asOfRow()).toBeUndefined();
    await expectExact();
  });

  it("built, the report reads it and answers exactly; a member's stored balance counts while it has not changed", async () => {
    await t.app.services.rollups.catchUp(t.clock.now(), p.id);
    const built = await asOfRow();
    expect(built && new Date(built.as_of).getTime()).toBe(now() - 10 * MINUTE);
    await expectExact();
    // The snapshot is what the report reads: a stored balance of a member unchanged since, altered,
    // changes the answer (then it is put back).
    const live = await liveAnswers();
    const row = (
      await sql<{ member_id: string; available: string }>`select member_id, available from report_member_balances
        where program_id = ${p.id} and available >= 400 order by member_id limit 1`.execute(db())
    ).rows[0];
    expect(row).toBeDefined();
    const set = (n: number | string) =>
      sql`update report_member_balances set available = ${n} where program_id = ${p.id} and member_id = ${row?.member_id}`.execute(
        db(),
      );
    await set(0);
    expect(await answers()).not.toEqual(live);
    // verify finds it, and nothing else.
    const flagged = (await t.app.services.verify()).checks.filter((c) => c.violations > 0);
    expect(flagged.map((c) => [c.name, c.violations])).toEqual([["snapshot_member_balances_matches_ledger", 1]]);
    expect(flagged[0]?.examples).toEqual([
      { programId: p.id, memberId: row?.member_id, stored: 0, live: Number(row?.available) },
    ]);
    await set(row?.available ?? 0);
    expect(await answers()).toEqual(live);
    expect((await t.app.services.verify()).ok).toBe(true);
  });

  it("points earned, spent, transferred and held since the snapshot's instant are read live", async () => {
    await changes(12, 2 * MINUTE);
    await expectExact();
    await tick();
    await expectExact();
  });

  it("lots that expire or activate and holds that time out after the instant, the jobs not run, are read live", async () => {
    await tick();
    for (let day = 0; day < 4; day++) {
      t.clock.set(new Date(now() + DAY / 2 + 7 * MINUTE));
      if (day === 1) {
        const body = { fromMemberId: ids.Giver, toMemberId: ids.Receiver, points: 120, reason: "Gift" };
        ok(await p.call("POST", "/v1/transfers", body), 201);
      }
      await expectExact();
      await changes(3, 5 * MINUTE);
      await expectExact();
      await tick();
      await expectExact();
    }
  });

  it("the jobs' due work, and later ticks folding everything in, change nothing", async () => {
    t.clock.set(new Date(now() + 3 * DAY));
    await expectExact();
    await t.app.services.jobs.run(t.clock.now(), p.id);
    await expectExact();
    await tick();
    await expectExact();
    t.clock.set(new Date(now() + 11 * MINUTE));
    await tick();
    await tick();
    await expectExact();
    const asOf = await asOfRow();
    expect(asOf && new Date(asOf.as_of).getTime()).toBeGreaterThan(now() - 30 * MINUTE);
  });

  it("a time zone change keeps the snapshot (instants, not days): the jobs bring it forward, the answers stay exact", async () => {
    ok(await p.call("PATCH", "/v1/programs/current", { timezone: "Asia/Tokyo" }));
    await expectExact();
    await changes(6, 20 * MINUTE);
    await t.app.services.rollups.catchUp(t.clock.now(), p.id);
    const asOf = await asOfRow();
    expect(asOf && new Date(asOf.as_of).getTime()).toBe(now() - 10 * MINUTE);
    await expectExact();
  });
});
