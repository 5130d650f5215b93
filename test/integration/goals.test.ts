import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, type HttpResult, type Json, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * Programme goals on a story told in New York (UTC-5), every figure computed by hand. Purchases
 * at 10:00 local (15:00Z) on the 10th of each month; a guest purchase has no member.
 *
 * - 10 Dec 2025: A (email, birth date, consents), B (phone), C (name only), F (email) join.
 *   A buys 4000, B 2000, F 1500 and 500; a guest 1000.
 * - 10 Jan 2026: D (email) joins; B consents. A buys 3000 and 5000, C 1000; guests 2000 and 4000.
 * - 10 Feb 2026: E (birth date only) joins. A buys 2000; B buys 6000 and returns 2000 of it (net
 *   4000), buys 3000 and returns it all (not a purchase); D buys 3000; a guest 1000.
 * - 5 Mar 2026: A buys 9999 (after the range: counts nowhere).
 *
 * The report runs over 1 Jan - 28 Feb 2026 by month: 59 days; the window before it is the 59 days
 * from 3 Nov 2025; the series' first period (January) has December before it.
 *
 * Over the range: members' purchases 6 (A 3000, 5000, 2000; C 1000; B 4000; D 3000), revenue
 * 18000, by 4 members (A, B, C, D); guests 3 purchases, 7000.
 *   average order value = 18000 / 6 = 3000; guests 7000 / 3 = 2333.33 -> 2333
 *   purchase frequency  = 6 / 4 x 30 / 59 = 0.762711... -> 0.7627
 *   member revenue share = 18000 / (18000 + 7000) = 0.72
 *   retention = December's buyers A, B, F; of them A and B bought in the range: 2 / 3 = 0.6667
 *   data capture (members enrolled by 1 Mar: A B C F D E = 6): birth date A, E: 2 / 6 = 0.3333
 * Series, January: members 3 purchases (9000) by A and C, guests 2 (6000), 31 days:
 *   AOV 3000, guests 3000; frequency 3 / 2 x 30 / 31 = 1.4516; share 9000 / 15000 = 0.6;
 *   retention: of December's A, B, F only A bought in January: 1 / 3 = 0.3333;
 *   birth date by 1 Feb: A of A B C F D = 1 / 5 = 0.2.
 * February: members 3 purchases (9000) by A, B, D, guests 1 (1000), 28 days:
 *   AOV 3000, guests 1000; frequency 3 / 3 x 30 / 28 = 1.0714; share 9000 / 10000 = 0.9;
 *   retention: of January's A, C, A bought again: 1 / 2 = 0.5; birth date 2 / 6 = 0.3333.
 */

function ok(res: HttpResult, status = 200) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

const at = (day: string) => `${day}T15:00:00Z`;

describe.each(engines())("programme goals on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  let seq = 0;
  const buy = async (memberId: string | null, amount: number) =>
    ok(
      await p.call("POST", "/v1/events", {
        id: `order-${++seq}`,
        type: "purchase",
        amount,
        ...(memberId ? { memberId } : { receiptId: `R-${seq}` }),
      }),
      201,
    ).eventId as string;
  const giveBack = async (eventId: string, amount: number) =>
    ok(await p.call("POST", "/v1/events", { id: `return-${++seq}`, type: "return", originalEventId: eventId, amount }), 201);

  beforeAll(async () => {
    t = await startTestApp(engine, at("2025-12-10"));
    p = await t.createProgram({ unknownMemberPolicy: "guest" });
    const a = await p.createMember({ email: "a@example.com", birthDate: "1990-04-01", marketingConsent: true });
    const b = await p.createMember({ phone: "+12025550101" });
    const c = await p.createMember({ name: "C" });
    const f = await p.createMember({ email: "f@example.com" });
    await buy(a, 4000);
    await buy(b, 2000);
    await buy(f, 1500);
    await buy(f, 500);
    await buy(null, 1000);

    t.clock.set(at("2026-01-10"));
    const d = await p.createMember({ email: "d@example.com" });
    ok(await p.call("PATCH", `/v1/members/${b}`, { marketingConsent: true }));
    await buy(a, 3000);
    await buy(a, 5000);
    await buy(c, 1000);
    await buy(null, 2000);
    await buy(null, 4000);

    t.clock.set(at("2026-02-10"));
    await p.createMember({ name: "E", birthDate: "1985-07-07" });
    await buy(a, 2000);
    await giveBack(await buy(b, 6000), 2000);
    await giveBack(await buy(b, 3000), 3000);
    await buy(d, 3000);
    await buy(null, 1000);

    t.clock.set(at("2026-03-05"));
    await buy(a, 9999);
  });
  afterAll(async () => {
    const report = await t.app.services.verify();
    expect(report.ok, JSON.stringify(report.checks.filter((c: Json) => !c.ok))).toBe(true);
    await t.close();
  });

  it("sets goals, and measures each against its target, its pace, members vs guests and by month", async () => {
    const set = async (body: Record<string, unknown>) => ok(await p.call("POST", "/v1/goals", body), 201);
    const aov = await set({
      kind: "average_order_value",
      target: 3500,
      baseline: 2500,
      startDate: "2026-01-01",
      targetDate: "2026-04-01",
      note: "Bundles at the till",
    });
    expect(aov).toEqual({
      id: expect.stringMatching(/^gol_/),
      kind: "average_order_value",
      captureField: null,
      target: 3500,
      baseline: 2500,
      startDate: "2026-01-01",
      targetDate: "2026-04-01",
      note: "Bundles at the till",
      createdAt: "2026-03-05T15:00:00.000Z",
      updatedAt: "2026-03-05T15:00:00.000Z",
    });
    const share = await set({
      kind: "member_revenue_share",
      target: 0.7,
      baseline: 0.5,
      startDate: "2026-01-01",
      targetDate: "2026-03-31",
    });
    // No baseline: measured over the 59 days before 1 Feb (4 Dec - 31 Jan): members' purchases
    // A 4000, B, F, F in December and A, A, C in January: 7 by 4 members: 7 / 4 x 30 / 59 = 0.8898.
    const frequency = await set({ kind: "purchase_frequency", target: 1, startDate: "2026-02-01", targetDate: "2026-05-01" });
    const birth = await set({
      kind: "data_capture",
      captureField: "birth_date",
      target: 0.5,
      baseline: 0.2,
      startDate: "2026-01-01",
      targetDate: "2026-12-31",
    });
    const retention = await set({
      kind: "retention",
      target: 0.9,
      baseline: 0.4,
      startDate: "2025-12-01",
      targetDate: "2026-02-15",
    });
    // Baseline measured as of its start (5 Jan): A B C F enrolled, A consented (B on 10 Jan): 1 / 4.
    const consent = await set({
      kind: "data_capture",
      captureField: "marketing_consent",
      target: 0.5,
      startDate: "2026-01-05",
      targetDate: "2026-07-05",
    });
    // Started today by default: its baseline window (the 59 days before 5 Mar) ends after the range.
    const contact = await set({ kind: "data_capture", captureField: "contact", target: 0.9, targetDate: "2026-06-30" });
    expect(contact.startDate).toBe("2026-03-05");

    const report = ok(await p.call("GET", "/v1/reports/goals?from=2026-01-01&to=2026-02-28&interval=month"));
    expect(report).toMatchObject({
      from: "2026-01-01",
      to: "2026-02-28",
      interval: "month",
      timezone: "America/New_York",
      currency: "USD",
    });
    const byId = new Map(report.goals.map((g: Json) => [g.goalId, g]));
    expect(report.goals.map((g: Json) => g.goalId)).toEqual([
      aov.id,
      share.id,
      frequency.id,
      birth.id,
      retention.id,
      consent.id,
      contact.id,
    ]);

    const members = { purchases: 6, revenue: 18_000, averageOrderValue: 3000 };
    const guests = { purchases: 3, revenue: 7000, averageOrderValue: 2333 };
    // 58 of the 90 days from 1 Jan to 1 Apr have passed on 28 Feb: 2500 + 1000 x 58 / 90 = 3144.44 -> 3144.
    expect(byId.get(aov.id)).toEqual({
      goalId: aov.id,
      kind: "average_order_value",
      captureField: null,
      unit: "money",
      note: "Bundles at the till",
      current: 3000,
      target: 3500,
      startDate: "2026-01-01",
      targetDate: "2026-04-01",
      baseline: 2500,
      baselineSource: "stated",
      expected: 3144,
      progress: 0.5, // (3000 - 2500) / (3500 - 2500)
      status: "behind",
      asOf: "2026-02-28",
      daysLeft: 32,
      members,
      guests,
      series: [
        { period: "2026-01-01", value: 3000, guests: 3000 },
        { period: "2026-02-01", value: 3000, guests: 1000 },
      ],
    });
    // 0.72 >= 0.7: achieved; (0.72 - 0.5) / 0.2 = 1.1; pace 0.5 + 0.2 x 58 / 89 = 0.6303.
    expect(byId.get(share.id)).toMatchObject({
      current: 0.72,
      expected: 0.6303,
      progress: 1.1,
      status: "achieved",
      daysLeft: 31,
      members,
      guests,
      series: [
        { period: "2026-01-01", value: 0.6, guests: null },
        { period: "2026-02-01", value: 0.9, guests: null },
      ],
    });
    // Measured baseline 0.8898; (0.7627 - 0.8898) / (1 - 0.8898) = -1.1534 (fell back);
    // pace 0.8898 + 0.1102 x 27 / 89 = 0.9232 (27 of the 89 days from 1 Feb to 1 May).
    expect(byId.get(frequency.id)).toMatchObject({
      unit: "purchases_per_30_days",
      current: 0.7627,
      baseline: 0.8898,
      baselineSource: "measured",
      expected: 0.9232,
      progress: -1.1534,
      status: "behind",
      daysLeft: 62,
      members,
      guests,
      series: [
        { period: "2026-01-01", value: 1.4516, guests: null },
        { period: "2026-02-01", value: 1.0714, guests: null },
      ],
    });
    // 0.3333 against a pace of 0.2 + 0.3 x 58 / 364 = 0.2478: on track; (0.3333 - 0.2) / 0.3 = 0.4443.
    expect(byId.get(birth.id)).toMatchObject({
      unit: "share",
      captureField: "birth_date",
      current: 0.3333,
      expected: 0.2478,
      progress: 0.4443,
      status: "on_track",
      daysLeft: 306,
      members: null,
      guests: null,
      series: [
        { period: "2026-01-01", value: 0.2, guests: null },
        { period: "2026-02-01", value: 0.3333, guests: null },
      ],
    });
    // The target date (15 Feb) has passed short of 0.9: missed; the pace is the target itself.
    expect(byId.get(retention.id)).toMatchObject({
      current: 0.6667,
      expected: 0.9,
      progress: 0.5334, // (0.6667 - 0.4) / 0.5
      status: "missed",
      daysLeft: -13,
      series: [
        { period: "2026-01-01", value: 0.3333, guests: null },
        { period: "2026-02-01", value: 0.5, guests: null },
      ],
    });
    // Consent by 1 Mar: A, B of 6 = 0.3333; by 1 Feb: A, B of 5 = 0.4. Pace: 54 of the 181 days
    // from 5 Jan to 5 Jul: 0.25 + 0.25 x 54 / 181 = 0.3246, met; (0.3333 - 0.25) / 0.25 = 0.3332.
    expect(byId.get(consent.id)).toMatchObject({
      current: 0.3333,
      baseline: 0.25,
      baselineSource: "measured",
      expected: 0.3246,
      progress: 0.3332,
      status: "on_track",
      daysLeft: 127,
      series: [
        { period: "2026-01-01", value: 0.4 },
        { period: "2026-02-01", value: 0.3333 },
      ],
    });
    // Contact by 1 Mar: A, B, F, D of the 6 = 0.6667. Its baseline is measured as of its start
    // (5 Mar): the same 6 members, 4 / 6 = 0.6667; before its start the pace is the baseline, met.
    expect(byId.get(contact.id)).toMatchObject({
      current: 0.6667,
      baseline: 0.6667,
      baselineSource: "measured",
      status: "on_track",
      series: [
        { period: "2026-01-01", value: 0.8 },
        { period: "2026-02-01", value: 0.6667 },
      ],
    });

    const goalsCsv = await t.request("GET", "/v1/reports/goals?from=2026-01-01&to=2026-02-28&interval=month&format=csv", {
      key: p.key,
    });
    expect(goalsCsv.status).toBe(200);
    const lines = String(goalsCsv.body).split("\r\n");
    expect(lines[0]).toBe(
      "goal_id,kind,capture_field,unit,current,target,baseline,baseline_source,expected,progress,status,start_date,target_date,days_left,member_purchases,member_revenue,guest_purchases,guest_revenue",
    );
    expect(lines[1]).toBe(
      `${aov.id},average_order_value,,money,30.00,35.00,25.00,stated,31.44,0.5,behind,2026-01-01,2026-04-01,32,6,180.00,3,70.00`,
    );
    const series = await t.request(
      "GET",
      "/v1/reports/goals?from=2026-01-01&to=2026-02-28&interval=month&format=csv&table=series",
      { key: p.key },
    );
    expect(String(series.body).split("\r\n").slice(0, 3)).toEqual([
      "goal_id,kind,unit,period,value,guests,target",
      `${aov.id},average_order_value,money,2026-01-01,30.00,30.00,35.00`,
      `${aov.id},average_order_value,money,2026-02-01,30.00,10.00,35.00`,
    ]);
  });

  it("changes and deletes goals, audited, and refuses goals wrong in their own terms", async () => {
    const q = await t.createProgram();
    const set = (body: Record<string, unknown>) => q.call("POST", "/v1/goals", body);
    const refused = async (body: Record<string, unknown>, field: string, message: string) => {
      const res = await set(body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.code).toBe("validation_error");
      expect(res.body.error.message).toBe(message);
      expect(res.body.error.details.issues[0].path).toBe(field);
    };
    const dates = { startDate: "2026-03-01", targetDate: "2026-06-30" };
    await refused(
      { kind: "average_order_value", target: 25.5, ...dates },
      "target",
      "Average order value is money in minor units of USD: target must be a whole number, such as 2550 for $25.50",
    );
    await refused(
      { kind: "retention", target: 35, ...dates },
      "target",
      "Retention is a share between 0 and 1 (0.35 means 35%): target 35 would be 3500%",
    );
    await refused(
      { kind: "data_capture", target: 0.5, ...dates },
      "captureField",
      "A data capture goal names the detail it counts: contact, marketing_consent or birth_date",
    );
    await refused(
      { kind: "average_order_value", target: 2000, baseline: 2500, ...dates },
      "baseline",
      "A goal raises average order value: the target ($20.00) must be above the baseline ($25.00)",
    );
    await refused(
      { kind: "purchase_frequency", target: 2, startDate: "2026-03-01", targetDate: "2026-03-01" },
      "targetDate",
      "The target date (2026-03-01) must come after the start date (2026-03-01)",
    );
    await refused({ kind: "member_revenue_share", target: 0, ...dates }, "target", "The target must be above 0%");
    expect((await set({ kind: "loyalty", target: 1, ...dates })).status).toBe(400);

    const goal = ok(await set({ kind: "average_order_value", target: 3000, ...dates }), 201);
    // Changed whole: into a data capture goal, which must name its detail.
    expect((await q.call("PATCH", `/v1/goals/${goal.id}`, { kind: "data_capture", target: 0.5 })).status).toBe(400);
    const changed = ok(
      await q.call("PATCH", `/v1/goals/${goal.id}`, {
        kind: "data_capture",
        captureField: "contact",
        target: 0.5,
        note: "Ask at the till",
      }),
    );
    expect(changed).toMatchObject({ kind: "data_capture", captureField: "contact", target: 0.5, note: "Ask at the till" });
    const back = ok(await q.call("PATCH", `/v1/goals/${goal.id}`, { kind: "retention" }));
    expect(back).toMatchObject({ kind: "retention", captureField: null, target: 0.5 });
    expect(ok(await q.call("GET", "/v1/goals")).data.map((g: Json) => g.id)).toEqual([goal.id]);
    expect(ok(await q.call("DELETE", `/v1/goals/${goal.id}`))).toMatchObject({ id: goal.id, kind: "retention" });
    expect(ok(await q.call("GET", "/v1/goals")).data).toEqual([]);
    expect((await q.call("DELETE", `/v1/goals/${goal.id}`)).status).toBe(404);
    expect((await q.call("PATCH", "/v1/goals/gol_nope", { target: 1 })).status).toBe(404);
    // Another programme's goal is not found either.
    const other = ok(await p.call("GET", "/v1/goals")).data[0].id;
    expect((await q.call("DELETE", `/v1/goals/${other}`)).status).toBe(404);

    const audit = ok(await q.call("GET", `/v1/audit?targetId=${goal.id}`));
    expect(audit.data.map((a: Json) => a.action)).toEqual([
      "DELETE /v1/goals/{goalId}",
      "PATCH /v1/goals/{goalId}",
      "PATCH /v1/goals/{goalId}",
      "POST /v1/goals",
    ]);
    expect(audit.data[0].before).toMatchObject({ kind: "retention" });

    // A read key reads goals and the report, and changes nothing.
    const read = ok(await q.call("POST", "/v1/api-keys", { name: "BI", scope: "read" }), 201).secret;
    expect((await q.call("GET", "/v1/goals", undefined, { key: read })).status).toBe(200);
    expect((await q.call("GET", "/v1/reports/goals", undefined, { key: read })).status).toBe(200);
    expect((await q.call("POST", "/v1/goals", { kind: "retention", target: 0.5, ...dates }, { key: read })).status).toBe(403);
  });

  it("answers an empty programme without data, and refuses bad ranges", async () => {
    const q = await t.createProgram();
    expect(ok(await q.call("GET", "/v1/reports/goals?from=2026-01-01&to=2026-01-31")).goals).toEqual([]);
    for (const kind of ["retention", "purchase_frequency", "average_order_value", "member_revenue_share"]) {
      ok(
        await q.call("POST", "/v1/goals", {
          kind,
          target: kind === "average_order_value" ? 2000 : 0.5,
          targetDate: "2026-12-31",
        }),
        201,
      );
    }
    ok(
      await q.call("POST", "/v1/goals", {
        kind: "data_capture",
        captureField: "marketing_consent",
        target: 0.5,
        targetDate: "2026-12-31",
      }),
      201,
    );
    const report = ok(await q.call("GET", "/v1/reports/goals?from=2026-01-01&to=2026-03-31&interval=week"));
    for (const g of report.goals) {
      expect(g).toMatchObject({ current: null, baseline: null, status: "no_data", progress: null, expected: null });
      expect(g.series).toHaveLength(14);
      expect(g.series.every((s: Json) => s.value === null)).toBe(true);
    }
    // 5 goals so far: 15 more make 20, the most a programme keeps.
    for (let i = 0; i < 15; i++)
      ok(await q.call("POST", "/v1/goals", { kind: "retention", target: 0.5, targetDate: "2026-12-31" }), 201);
    const full = await q.call("POST", "/v1/goals", { kind: "retention", target: 0.5, targetDate: "2026-12-31" });
    expect(full.status).toBe(409);
    expect(full.body.error.message).toBe("A programme keeps at most 20 goals: delete one it no longer pursues first");
    const bad = await q.call("GET", "/v1/reports/goals?from=2026-02-01&to=2026-01-01");
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe("from must not be after to");
    expect((await q.call("GET", "/v1/reports/goals?goal=x")).status).toBe(400);
    // The goal form's labels stay on the goal form: a report's bad day is named by its own
    // field, not as the goal's "Target date" (the shared day schema was labelled in place).
    const day = await q.call("GET", "/v1/reports/points?from=2026-02-30");
    expect(day.status).toBe(400);
    expect(day.body.error.message).toBe("from must be a date, YYYY-MM-DD");
    expect(day.body.error.details.issues[0].label).toBeUndefined();
    // And a goal's own fields keep their own labels: a bad target is not the "Baseline".
    const goalId = report.goals[0].goalId ?? report.goals[0].id;
    const target = await q.call("PATCH", `/v1/goals/${goalId}`, { target: -1 });
    expect(target.status).toBe(400);
    expect(target.body.error.details.issues[0]).toMatchObject({ path: "target", label: "Target" });
    const start = await q.call("PATCH", `/v1/goals/${goalId}`, { startDate: "2026-02-30" });
    expect(start.body.error.details.issues[0]).toMatchObject({ path: "startDate", label: "Start date" });
  });
});
