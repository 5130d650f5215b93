import { sql } from "kysely";
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom as random } from "../../src/demo/demo.plan.ts";
import { holdoutBucket } from "../../src/earning/campaign-reach.rules.ts";
import { purchase, refund } from "../helpers/events.ts";
import { engines, type HttpResult, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * Campaign results read each audience member's spend from the members' daily spend rollup
 * (report_member_spend_days) and live; they must answer exactly what the live query answers: every
 * campaign's results and one campaign's (with its bootstrap, which resamples each member's spend),
 * over their own windows and windows given, when the rollup is caught up, after back-dated
 * purchases, returns of old purchases and claims of old guest purchases recorded after the last
 * tick, after the next tick, when a member's audience membership changes (attributes) and a
 * campaign's audience or holdout is edited, and after the programme's time zone changed.
 *
 * The reference is the live path itself: with the rollups' state rows and the stored holdout
 * buckets removed (every day is then read live, every pair drawn live), put back afterwards.
 */

function ok(res: HttpResult, status = 200) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

const START = Date.parse("2026-03-01T12:00:00Z");
const DAY = 86_400_000;

describe.each(engines())("campaign results with the member spend rollup on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  const rand = random(23);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const members: string[] = [];
  const purchases: { id: string; amount: number }[] = [];
  let guests = 0;
  const campaigns: Record<string, string> = {};

  /** A day of business at `day` days after 1 March: enrolments, purchases (some dated days back), returns, claims. */
  async function businessDay(day: number) {
    t.clock.set(new Date(START + day * DAY + Math.floor(rand() * 8) * 3_600_000));
    if (members.length < 6 || rand() < 0.6) {
      const attributes = { cohort: rand() < 0.6 ? "spring" : "autumn", segments: rand() < 0.5 ? ["vip"] : [] };
      members.push(await p.createMember({ name: `M${members.length}`, attributes }));
    }
    for (let i = 0; i < 5; i++) {
      const back = rand() < 0.25 ? Math.floor(rand() * 20) : 0;
      const occurredAt = new Date(t.clock.now().getTime() - back * DAY).toISOString();
      if (rand() < 0.15) {
        guests += 1;
        ok(
          await p.call("POST", "/v1/events", {
            id: `guest-${guests}`,
            type: "purchase",
            amount: 500 + Math.floor(rand() * 5_000),
            receiptId: `R-${guests}`,
            occurredAt,
          }),
          201,
        );
        continue;
      }
      const event = purchase(pick(members), 500 + Math.floor(rand() * 10_000), { occurredAt });
      ok(await p.call("POST", "/v1/events", event), 201);
      purchases.push({ id: event.id, amount: event.amount });
    }
    if (purchases.length > 0 && rand() < 0.5) {
      const old = pick(purchases);
      const amount = rand() < 0.5 ? old.amount : Math.ceil(old.amount / 3);
      const res = await p.call("POST", "/v1/events", refund(old.id, amount));
      if (res.status === 201) purchases.splice(purchases.indexOf(old), 1);
    }
    if (guests > 0 && rand() < 0.3) {
      await p.call("POST", `/v1/members/${pick(members)}/claims`, { receiptId: `R-${1 + Math.floor(rand() * guests)}` });
    }
  }

  const urls = () => [
    "/v1/reports/campaigns",
    "/v1/reports/campaigns?from=2026-03-01&to=2026-04-12",
    "/v1/reports/campaigns?from=2026-03-12&to=2026-03-21",
    `/v1/reports/campaigns/${campaigns.spring}`,
    `/v1/reports/campaigns/${campaigns.spring}?from=2026-03-04&to=2026-04-02`,
    `/v1/reports/campaigns/${campaigns.all}`,
    `/v1/reports/campaigns/${campaigns.all}?from=2026-03-20&to=2026-04-15`,
    `/v1/reports/campaigns/${campaigns.vip}`,
    ...(campaigns.late
      ? [`/v1/reports/campaigns/${campaigns.late}`, `/v1/reports/campaigns/${campaigns.late}?from=2026-03-01&to=2026-04-14`]
      : []),
  ];

  const answers = async () => Promise.all(urls().map(async (url) => [url, ok(await p.call("GET", url))]));

  /** What the reports answer with every day read live: the rollups' state rows set aside, then put back. */
  async function liveAnswers() {
    const db = t.app.services.database.db;
    const saved = await sql<Record<string, unknown>>`select * from report_rollups where program_id = ${p.id}`.execute(db);
    const buckets = await sql<{ campaign_id: string; member_id: string; bucket: number }>`
      select campaign_id, member_id, bucket from report_campaign_buckets where program_id = ${p.id}`.execute(db);
    await sql`delete from report_rollups where program_id = ${p.id}`.execute(db);
    await sql`delete from report_campaign_buckets where program_id = ${p.id}`.execute(db);
    try {
      return await answers();
    } finally {
      for (const b of buckets.rows) {
        await sql`insert into report_campaign_buckets (program_id, campaign_id, member_id, bucket)
          values (${p.id}, ${b.campaign_id}, ${b.member_id}, ${b.bucket})`.execute(db);
      }
      for (const row of saved.rows) {
        await sql`insert into report_rollups (program_id, rollup, timezone, rolled_through, watermark, updated_at)
          values (${row.program_id}, ${row.rollup}, ${row.timezone}, ${row.rolled_through}, ${row.watermark}, ${row.updated_at})`.execute(
          db,
        );
      }
    }
  }

  const rolledThrough = async () =>
    (
      await sql<{ rolled_through: string }>`select to_char(rolled_through, 'YYYY-MM-DD') as rolled_through
        from report_rollups where program_id = ${p.id} and rollup = 'member_spend'`.execute(t.app.services.database.db)
    ).rows[0]?.rolled_through ?? null;

  const spendRows = async () =>
    Number(
      (
        await sql<{ n: string }>`select count(*) as n from report_member_spend_days where program_id = ${p.id}`.execute(
          t.app.services.database.db,
        )
      ).rows[0]?.n,
    );

  beforeAll(async () => {
    t = await startTestApp(engine, new Date(START - 30 * DAY).toISOString());
    p = await t.createProgram({ timezone: "America/New_York", unknownMemberPolicy: "guest" });
    const campaign = async (body: Record<string, unknown>) =>
      ok(await p.call("POST", "/v1/campaigns", { status: "active", budgetPoints: 1_000_000, ...body }), 201).id as string;
    campaigns.spring = await campaign({
      name: "Spring",
      startsAt: "2026-03-10",
      endsAt: "2026-04-05",
      holdoutPercent: 40,
      audience: [{ type: "member_attribute", key: "cohort", op: "eq", value: "spring" }],
    });
    campaigns.all = await campaign({ name: "Everyone", startsAt: "2026-03-20", holdoutPercent: 30 });
    campaigns.vip = await campaign({ name: "VIP", audience: [{ type: "segment", in: ["vip"] }] });
    for (const id of Object.values(campaigns)) {
      ok(
        await p.call("POST", "/v1/rules", {
          name: `Double ${id}`,
          campaignId: id,
          trigger: "purchase",
          effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
        }),
        201,
      );
    }
    for (let day = 0; day < 40; day++) await businessDay(day);
  }, 240_000);
  afterAll(async () => {
    await t.close();
  });

  it("caught up, answers what the live query answers", async () => {
    const live = await answers();
    // Figures worth comparing: buyers in both groups, and a bootstrap.
    const spring = live[3]?.[1];
    expect(spring.campaign.treated.buyers).toBeGreaterThan(3);
    expect(spring.campaign.holdout.buyers).toBeGreaterThan(1);
    expect(spring.bootstrap).not.toBeNull();
    await t.app.services.rollups.catchUp(t.clock.now(), p.id);
    // Every whole day that ended ten minutes before now: up to yesterday (9 April, New York).
    expect(await rolledThrough()).toBe("2026-04-09");
    expect(await spendRows()).toBeGreaterThan(50);
    expect(await answers()).toEqual(live);
  });

  it("stores every (campaign, member) pair's holdout bucket as the earning engine draws it", async () => {
    const rows = (
      await sql<{ campaign_id: string; member_id: string; bucket: number }>`
        select campaign_id, member_id, bucket from report_campaign_buckets where program_id = ${p.id}`.execute(
        t.app.services.database.db,
      )
    ).rows;
    // Members enrolled today are not rolled up yet: drawn live until tomorrow's tick.
    expect(rows.length).toBeGreaterThan(3 * (members.length - 2));
    for (const r of rows)
      expect(Number(r.bucket) / 100, `${r.campaign_id}:${r.member_id}`).toBe(holdoutBucket(r.campaign_id, r.member_id));
  });

  it("back-dated purchases, returns and claims after the last tick are read live, and the next tick folds them in", async () => {
    for (let day = 40; day < 45; day++) await businessDay(day);
    // A return of one of the first purchases, and a purchase dated in the spring campaign's window.
    const first = purchases[0];
    if (first) ok(await p.call("POST", "/v1/events", refund(first.id, 1)), 201);
    ok(await p.call("POST", "/v1/events", purchase(members[0] ?? "", 4_321, { occurredAt: "2026-03-15T16:00:00Z" })), 201);
    const live = await liveAnswers();
    expect(await answers()).toEqual(live);
    await t.app.services.rollups.tick(t.clock.now(), { programId: p.id });
    expect(await answers()).toEqual(live);
    t.clock.set(new Date(t.clock.now().getTime() + 11 * 60_000));
    await t.app.services.rollups.tick(t.clock.now(), { programId: p.id });
    expect(await answers()).toEqual(await liveAnswers());
  });

  it("follows a member whose audience membership changes, and a campaign's edited audience and holdout", async () => {
    const before = await answers();
    // A spring member (with purchases in the window) becomes autumn: out of Spring's audience.
    const moved = members.find((_, i) => i % 3 === 0) ?? "";
    ok(await p.call("PATCH", `/v1/members/${moved}`, { attributes: { cohort: "autumn", segments: ["vip"] } }));
    ok(await p.call("PATCH", `/v1/members/${members[1]}`, { attributes: { cohort: "spring", segments: [] } }));
    const live = await liveAnswers();
    expect(await answers()).toEqual(live);
    ok(await p.call("PATCH", `/v1/campaigns/${campaigns.all}`, { holdoutPercent: 50 }));
    ok(await p.call("PATCH", `/v1/campaigns/${campaigns.vip}`, { audience: [{ type: "segment", in: ["vip", "gold"] }] }));
    const edited = await liveAnswers();
    expect(edited).not.toEqual(before);
    expect(await answers()).toEqual(edited);
    await t.app.services.rollups.tick(t.clock.now(), { programId: p.id });
    expect(await answers()).toEqual(edited);
  });

  it("draws live the holdout of a campaign and of members created since the last tick, until the tick stores them", async () => {
    const db = t.app.services.database.db;
    const stored = async (campaignId: string) =>
      Number(
        (
          await sql<{ n: string }>`select count(*) as n from report_campaign_buckets
            where program_id = ${p.id} and campaign_id = ${campaignId}`.execute(db)
        ).rows[0]?.n,
      );
    await t.app.services.rollups.tick(t.clock.now(), { programId: p.id });
    campaigns.late = ok(
      await p.call("POST", "/v1/campaigns", {
        name: "Late",
        status: "active",
        budgetPoints: 1_000,
        startsAt: "2026-03-05",
        holdoutPercent: 25,
      }),
      201,
    ).id as string;
    members.push(await p.createMember({ name: "Late member", attributes: { cohort: "spring", segments: ["vip"] } }));
    ok(await p.call("POST", "/v1/events", purchase(members.at(-1) ?? "", 2_500)), 201);
    expect(await stored(campaigns.late)).toBe(0);
    const live = await liveAnswers();
    // The late campaign's audience is split as the draw says, with buyers on both sides.
    const late = live.at(-2)?.[1];
    expect(late.campaign.holdout.buyers).toBeGreaterThan(0);
    expect(late.campaign.treated.buyers).toBeGreaterThan(late.campaign.holdout.buyers);
    expect(await answers()).toEqual(live);
    // The next day's tick stores the late campaign's pairs and the new member's.
    t.clock.set(new Date(t.clock.now().getTime() + DAY));
    await t.app.services.rollups.tick(t.clock.now(), { programId: p.id });
    expect(await stored(campaigns.late)).toBe(members.length);
    expect(await answers()).toEqual(await liveAnswers());
  });

  it("a rollup built in another time zone is not used, and is rebuilt in the new one", async () => {
    ok(await p.call("PATCH", "/v1/programs/current", { timezone: "Asia/Tokyo" }));
    const live = await liveAnswers();
    expect(await answers()).toEqual(live);
    await t.app.services.rollups.catchUp(t.clock.now(), p.id);
    // Rolled up to the Tokyo day ten minutes ago (the days before it).
    const today = DateTime.fromMillis(t.clock.now().getTime() - 10 * 60_000, { zone: "Asia/Tokyo" }).toISODate();
    expect(await rolledThrough()).toBe(today);
    expect(await answers()).toEqual(live);
  });
});
