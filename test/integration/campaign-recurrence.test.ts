import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, type Json, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/*
 * Campaigns as the console lists them (their state by the schedule, in programme time) and
 * recurring campaigns: the bonus on Tuesdays only, a budget per occurrence that starts whole each
 * Tuesday, a budget for the whole campaign that does not.
 */

const perDollar = { type: "points_per_amount", points: 1, per: 100, rounding: "floor" };
const MONDAY = "2027-01-04T12:00:00Z";
const TUESDAY = "2027-01-05T10:00:00Z";
const WEDNESDAY = "2027-01-06T10:00:00Z";
const NEXT_TUESDAY = "2027-01-12T10:00:00Z";

describe.each(engines())("recurring campaigns on %s", (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, MONDAY);
  });
  afterAll(async () => {
    // Budgets per occurrence account to the point: budget x occurrences opened - left = awarded - returned.
    expect((await t.app.services.verify()).ok).toBe(true);
    await t.close();
  });

  /** A programme in London with 1 point per dollar and a "Tuesday bonus" campaign of 7 points. */
  async function tuesdayBonus(campaign: Record<string, unknown>) {
    t.clock.set(MONDAY);
    const p = await t.createProgram({ timezone: "Europe/London", currency: "GBP", country: "GB" });
    expect((await p.call("POST", "/v1/rules", { name: "1 per pound", trigger: "purchase", effect: perDollar })).status).toBe(201);
    const created = await p.call("POST", "/v1/campaigns", {
      name: "Tuesday bonus",
      status: "active",
      startsAt: "2027-01-01",
      recurrence: { freq: "weekly", byWeekday: ["tue"] },
      budgetPoints: 10,
      ...campaign,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const bonus = await p.call("POST", "/v1/rules", {
      name: "Tuesday bonus",
      campaignId: created.body.id,
      trigger: "purchase",
      effect: { type: "fixed_points", points: 7 },
    });
    expect(bonus.status).toBe(201);
    return { p, campaignId: created.body.id as string };
  }

  let n = 0;
  /** A £10 purchase now (the clock set to `at`): the points it earned. */
  async function purchase(p: TestProgram, memberId: string, at: string, id = `e-${++n}`): Promise<number> {
    t.clock.set(at);
    const res = await p.call("POST", "/v1/events", { id, type: "purchase", memberId, amount: 1000 });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.points.total as number;
  }

  it("gives the bonus on a Tuesday, not on a Monday or Wednesday; a budget per occurrence starts whole each Tuesday", async () => {
    const { p, campaignId } = await tuesdayBonus({ budgetPer: "occurrence" });
    const [a, b, c] = [await p.createMember({}), await p.createMember({}), await p.createMember({})];
    expect(await purchase(p, a, MONDAY)).toBe(10);
    expect(await purchase(p, a, TUESDAY, "tue-a")).toBe(17);
    expect(await purchase(p, b, TUESDAY)).toBe(13); // the budget's last 3 points
    expect(await purchase(p, c, TUESDAY)).toBe(10); // spent for this Tuesday
    const tuesday: Json = (await p.call("GET", `/v1/campaigns/${campaignId}`)).body;
    expect(tuesday).toMatchObject({ state: "running", running: true, budgetPer: "occurrence" });
    expect(tuesday.budget).toEqual({ points: 10, spent: 10, remaining: 0 });

    expect(await purchase(p, c, WEDNESDAY)).toBe(10);
    const wednesday: Json = (await p.call("GET", `/v1/campaigns/${campaignId}`)).body;
    expect(wednesday).toMatchObject({ state: "between", running: false });
    expect(wednesday.budget).toEqual({ points: 10, spent: 0, remaining: 10 });
    expect(wednesday.nextOccurrences[0]).toEqual({ startsAt: "2027-01-12T00:00:00.000Z", endsAt: "2027-01-13T00:00:00.000Z" });

    expect(await purchase(p, c, NEXT_TUESDAY)).toBe(17);
    // A return gives the points back to the budget of the Tuesday the purchase was on (verify checks it).
    const ret = await p.call("POST", "/v1/events", { id: "ret-a", type: "return", originalEventId: "tue-a", amount: 1000 });
    expect(ret.status, JSON.stringify(ret.body)).toBe(201);
    expect((await p.call("GET", `/v1/campaigns/${campaignId}`)).body.budget).toEqual({ points: 10, spent: 7, remaining: 3 });
  });

  it("keeps one budget across Tuesdays when it is for the whole campaign", async () => {
    const { p, campaignId } = await tuesdayBonus({});
    const m = await p.createMember({});
    expect(await purchase(p, m, TUESDAY)).toBe(17);
    expect(await purchase(p, m, WEDNESDAY)).toBe(10);
    expect(await purchase(p, m, NEXT_TUESDAY)).toBe(13);
    expect(await purchase(p, m, "2027-01-19T10:00:00Z")).toBe(10);
    expect((await p.call("GET", `/v1/campaigns/${campaignId}`)).body.budget).toEqual({ points: 10, spent: 10, remaining: 0 });
  });

  it("lists a campaign by its schedule: an active one past its end as ended, one to come as scheduled", async () => {
    t.clock.set(WEDNESDAY);
    const p = await t.createProgram({ timezone: "Europe/London", currency: "GBP", country: "GB" });
    const make = async (name: string, body: Record<string, unknown>) => {
      const res = await p.call("POST", "/v1/campaigns", { name, status: "active", ...body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    };
    await make("Christmas 2026", { startsAt: "2026-12-01", endsAt: "2026-12-31" });
    await make("Spring", { startsAt: "2027-03-01" });
    await make("January", { startsAt: "2027-01-01", endsAt: "2027-01-31" });
    await make("Tuesdays in early January", { endsAt: "2027-01-11", recurrence: { freq: "weekly", byWeekday: ["tue"] } });
    const res = await p.call("GET", "/v1/campaigns");
    const byName = Object.fromEntries(res.body.data.map((c: Json) => [c.name, [c.status, c.state, c.running]]));
    expect(byName).toEqual({
      "Christmas 2026": ["active", "ended", false],
      Spring: ["active", "scheduled", false],
      January: ["active", "running", true],
      "Tuesdays in early January": ["active", "ended", false],
    });
  });

  it("refuses a pattern that cannot be, in the form's terms, writing nothing", async () => {
    t.clock.set(MONDAY);
    const p = await t.createProgram({ timezone: "Europe/London", currency: "GBP", country: "GB" });
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ recurrence: { freq: "weekly" } }, "recurrence.byWeekday", /day of the week/],
      [{ recurrence: { freq: "weekly", byWeekday: ["sat", "sun"], duration: { days: 2 } } }, "recurrence.duration", /end before/],
      [{ budgetPer: "occurrence", budgetPoints: 10 }, "budgetPer", /needs a recurrence/],
    ];
    for (const [body, field, message] of cases) {
      const res = await p.call("POST", "/v1/campaigns", { name: "Bad", ...body });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.details.field).toBe(field);
      expect(res.body.error.message).toMatch(message);
    }
    expect((await p.call("GET", "/v1/campaigns")).body.data).toEqual([]);
  });

  it("backtests only the occurrences: a replay of January counts Tuesdays alone", async () => {
    const { p, campaignId } = await tuesdayBonus({ status: "draft", budgetPoints: 100 });
    const m = await p.createMember({});
    // With the campaign a draft, the purchases earn the standing points alone.
    expect(await purchase(p, m, TUESDAY)).toBe(10);
    expect(await purchase(p, m, WEDNESDAY)).toBe(10);
    const res = await p.call("POST", `/v1/campaigns/${campaignId}/backtest`, {
      from: "2027-01-01T00:00:00Z",
      to: "2027-01-08T00:00:00Z",
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // Replayed: the sign-up and both purchases; rewarded: the Tuesday purchase alone.
    expect(res.body).toMatchObject({ eventsReplayed: 3, eventsRewarded: 1, points: 7 });
  });
});
