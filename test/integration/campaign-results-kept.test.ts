import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom as random } from "../../src/demo/demo.plan.ts";
import { purchase, refund } from "../helpers/events.ts";
import { ok } from "../helpers/rollup-fixtures.ts";
import { engines, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * Campaign results of a closed window are kept (report_campaign_results, the jobs' `keep`): a
 * campaign without audience conditions whose own window has ended answers from the kept row while
 * nothing of its window (or the window before) changed and the campaign did not; a purchase dated in
 * the window and recorded late, a return of a purchase of the window, or an edit of the campaign
 * makes the report compute live (exactly), and the next keep computes the row again. Campaigns with
 * audience conditions, running campaigns and windows given are always live.
 *
 * The reference is the live path: the same URLs with the kept rows set aside. That the kept row is
 * what is read is shown by marking it (a figure changed in the row shows in the answer).
 */

const START = Date.parse("2026-03-01T12:00:00Z");
const DAY = 86_400_000;

describe.each(engines())("kept campaign results on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  const rand = random(31);
  const members: string[] = [];
  const purchases: { id: string; amount: number; at: string }[] = [];
  const campaigns: Record<string, string> = {};
  const db = () => t.app.services.database.db;

  const urls = () => [
    "/v1/reports/campaigns",
    "/v1/reports/campaigns?from=2026-03-01&to=2026-04-12",
    `/v1/reports/campaigns/${campaigns.ended}`,
    `/v1/reports/campaigns/${campaigns.ended}?from=2026-03-04&to=2026-03-20`,
    `/v1/reports/campaigns/${campaigns.running}`,
    `/v1/reports/campaigns/${campaigns.cohort}`,
  ];
  const answers = async () => Promise.all(urls().map(async (url) => [url, ok(await p.call("GET", url))]));

  /** What the reports answer with nothing kept: the kept rows set aside, then put back. */
  async function liveAnswers() {
    const saved = await sql<Record<string, unknown>>`
      select * from report_campaign_results where program_id = ${p.id}`.execute(db());
    await sql`delete from report_campaign_results where program_id = ${p.id}`.execute(db());
    try {
      return await answers();
    } finally {
      for (const r of saved.rows) {
        await sql`insert into report_campaign_results
            (program_id, campaign_id, campaign_version, before_start, start_at, end_at, computed_at, valid_at, groups, points, bootstrap)
          values (${r.program_id}, ${r.campaign_id}, ${r.campaign_version}, ${r.before_start}, ${r.start_at}, ${r.end_at},
                  ${r.computed_at}, ${r.valid_at}, ${JSON.stringify(r.groups)}::jsonb, ${JSON.stringify(r.points)}::jsonb,
                  ${r.bootstrap === null ? null : JSON.stringify(r.bootstrap)}::jsonb)`.execute(db());
      }
    }
  }

  const keptRows = async () =>
    (
      await sql<{
        campaign_id: string;
      }>`select campaign_id from report_campaign_results where program_id = ${p.id} order by campaign_id`.execute(db())
    ).rows.map((r) => r.campaign_id);

  /** Marks the ended campaign's kept row: its treated group's buyers plus 1,000 (a figure no live read gives). */
  const mark = () =>
    sql`update report_campaign_results
           set groups = (select jsonb_agg(case when (g->>'heldOut')::boolean then g
                                          else jsonb_set(g, '{buyers}', to_jsonb((g->>'buyers')::int + 1000)) end)
                           from jsonb_array_elements(groups) g)
         where program_id = ${p.id} and campaign_id = ${campaigns.ended ?? ""}`.execute(db());

  const endedBuyers = async () => ok(await p.call("GET", `/v1/reports/campaigns/${campaigns.ended}`)).campaign.treated.buyers;

  beforeAll(async () => {
    t = await startTestApp(engine, new Date(START - 30 * DAY).toISOString());
    p = await t.createProgram({ timezone: "America/New_York" });
    const campaign = async (body: Record<string, unknown>) =>
      ok(await p.call("POST", "/v1/campaigns", { status: "active", budgetPoints: 1_000_000, ...body }), 201).id as string;
    campaigns.ended = await campaign({ name: "Ended", startsAt: "2026-03-05", endsAt: "2026-03-25", holdoutPercent: 40 });
    campaigns.running = await campaign({ name: "Running", startsAt: "2026-03-15", holdoutPercent: 30 });
    campaigns.cohort = await campaign({
      name: "Cohort",
      startsAt: "2026-03-05",
      endsAt: "2026-03-25",
      holdoutPercent: 40,
      audience: [{ type: "member_attribute", key: "cohort", op: "eq", value: "spring" }],
    });
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
    for (let day = 0; day < 35; day++) {
      t.clock.set(new Date(START + day * DAY + Math.floor(rand() * 8) * 3_600_000));
      if (members.length < 8 || rand() < 0.5)
        members.push(await p.createMember({ attributes: { cohort: rand() < 0.5 ? "spring" : "autumn" } }));
      for (let i = 0; i < 4; i++) {
        const event = purchase(members[Math.floor(rand() * members.length)] ?? "", 500 + Math.floor(rand() * 8_000));
        ok(await p.call("POST", "/v1/events", event), 201);
        purchases.push({ id: event.id, amount: event.amount, at: t.clock.now().toISOString() });
      }
    }
    // 4 April: the ended campaign's last day (25 March) is long over; the running one runs on.
  }, 240_000);
  afterAll(async () => {
    await t.close();
  });

  it("keeps only closed windows of campaigns without audience conditions, and answers what the live path answers", async () => {
    const live = await answers();
    expect(live[2]?.[1].campaign.treated.buyers).toBeGreaterThan(3);
    expect(live[2]?.[1].bootstrap).not.toBeNull();
    const kept = await t.app.services.campaignResults.keep(t.clock.now(), { programId: p.id });
    expect(kept).toEqual({ computed: 1, confirmed: 0, waiting: 0, complete: true });
    expect(await keptRows()).toEqual([campaigns.ended]);
    expect(await answers()).toEqual(live);
    // The next keep finds nothing changed: it confirms the row up to now.
    t.clock.set(new Date(t.clock.now().getTime() + 3_600_000));
    expect(await t.app.services.campaignResults.keep(t.clock.now(), { programId: p.id })).toEqual({
      computed: 0,
      confirmed: 1,
      waiting: 0,
      complete: true,
    });
  });

  it("answers the campaign over its own window from the kept row, and a window given live", async () => {
    const before = await endedBuyers();
    await mark();
    expect(await endedBuyers()).toBe(before + 1000);
    const list = ok(await p.call("GET", "/v1/reports/campaigns"));
    expect(list.campaigns.find((c: { campaignId: string }) => c.campaignId === campaigns.ended).treated.buyers).toBe(
      before + 1000,
    );
    const given = ok(await p.call("GET", "/v1/reports/campaigns?from=2026-03-01&to=2026-04-12"));
    expect(given.campaigns.every((c: { treated: { buyers: number } }) => c.treated.buyers < 1000)).toBe(true);
    // A valid_at ahead of the reading server's clock vouches for nothing yet.
    const now = t.clock.now();
    t.clock.set(new Date(now.getTime() - 2 * 3_600_000));
    expect(await endedBuyers()).toBe(before);
    t.clock.set(now);
    expect(await endedBuyers()).toBe(before + 1000);
  });

  it("a purchase of the window recorded late is read live, and the next keep computes the row again", async () => {
    // Recorded now (4 April), dated 20 March: the kept row no longer stands.
    ok(await p.call("POST", "/v1/events", purchase(members[0] ?? "", 7_777, { occurredAt: "2026-03-20T15:00:00Z" })), 201);
    const live = await liveAnswers();
    expect(await answers()).toEqual(live);
    expect(await t.app.services.campaignResults.keep(t.clock.now(), { programId: p.id })).toMatchObject({ computed: 1 });
    expect(await answers()).toEqual(live);
    // Computed at the moment of the purchase, the row cannot vouch for it (the grace): still live,
    // and the next keep within the grace waits rather than computing it again.
    await mark();
    expect(await answers()).toEqual(live);
    t.clock.set(new Date(t.clock.now().getTime() + 5 * 60_000));
    expect(await t.app.services.campaignResults.keep(t.clock.now(), { programId: p.id })).toMatchObject({
      computed: 0,
      waiting: 1,
    });
    // Past the grace, it is computed again and stands.
    t.clock.set(new Date(t.clock.now().getTime() + 6 * 60_000));
    expect(await t.app.services.campaignResults.keep(t.clock.now(), { programId: p.id })).toMatchObject({ computed: 1 });
    expect(await answers()).toEqual(live);
    await mark();
    expect((await answers())[2]?.[1].campaign.treated.buyers).toBe(live[2]?.[1].campaign.treated.buyers + 1000);
  });

  it("a return of a purchase of the window is read live", async () => {
    const inWindow = purchases.find((x) => x.at >= "2026-03-06" && x.at < "2026-03-24");
    expect(inWindow).toBeDefined();
    ok(await p.call("POST", "/v1/events", refund(inWindow?.id ?? "", inWindow?.amount ?? 0)), 201);
    const live = await liveAnswers();
    expect(await answers()).toEqual(live);
    await t.app.services.campaignResults.keep(t.clock.now(), { programId: p.id });
    expect(await answers()).toEqual(live);
  });

  it("an edit of the campaign is read live; audience conditions drop the kept row", async () => {
    await mark();
    ok(await p.call("PATCH", `/v1/campaigns/${campaigns.ended}`, { holdoutPercent: 20 }));
    const live = await liveAnswers();
    expect(await answers()).toEqual(live);
    await t.app.services.campaignResults.keep(t.clock.now(), { programId: p.id });
    expect(await keptRows()).toEqual([campaigns.ended]);
    expect(await answers()).toEqual(live);
    ok(
      await p.call("PATCH", `/v1/campaigns/${campaigns.ended}`, {
        audience: [{ type: "member_attribute", key: "cohort", op: "eq", value: "autumn" }],
      }),
    );
    await t.app.services.campaignResults.keep(t.clock.now(), { programId: p.id });
    expect(await keptRows()).toEqual([]);
    expect(await answers()).toEqual(await liveAnswers());
  });
});
