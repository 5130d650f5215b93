import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { purchase } from "../helpers/events.ts";
import { engines, type HttpResult, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * A rule put in force from an earlier time (POST /v1/rules inForceFrom): a business that makes its
 * rules today and then posts its purchase history (an import, an offline till syncing) earns on
 * it, though events are judged by the rules in force when they occurred. Without inForceFrom the
 * rule is in force from when it was made, and that history earns nothing.
 */

function ok(res: HttpResult, status = 200) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

const POINT_A_DOLLAR = {
  name: "Points per dollar",
  trigger: "purchase",
  effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
};

describe.each(engines())("a rule in force from before it was made on %s", (engine) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(engine, "2026-06-01T12:00:00Z");
  });
  afterAll(() => t.close());
  afterEach(async () => {
    const report = await t.app.services.verify();
    expect(report.checks.filter((c) => c.violations > 0)).toEqual([]);
  });

  async function programmeToday(): Promise<{ p: TestProgram; member: string }> {
    t.clock.set("2026-06-01T12:00:00Z");
    const p = await t.createProgram();
    const member = await p.createMember({ name: "History Hal" });
    return { p, member };
  }

  it("made today in force from March: an April purchase posted today earns by it, and the dry run agrees", async () => {
    const { p, member } = await programmeToday();
    const rule = ok(await p.call("POST", "/v1/rules", { ...POINT_A_DOLLAR, inForceFrom: "2026-03-01T00:00:00Z" }), 201);
    expect(rule.inForceFrom).toBe("2026-03-01T00:00:00.000Z");
    expect(ok(await p.call("GET", `/v1/rules/${rule.id}`)).inForceFrom).toBe("2026-03-01T00:00:00.000Z");

    const april = purchase(member, 10_000, { occurredAt: "2026-04-10T15:00:00Z" });
    const dryNow = ok(await p.call("POST", "/v1/events?dryRun=true", april), 201);
    const dryAsOfApril = ok(await p.call("POST", "/v1/events?dryRun=true&asOf=2026-04-10T15:00:00Z", april), 201);
    const real = ok(await p.call("POST", "/v1/events", april), 201);
    expect(real.points.total).toBe(100);
    expect(real.contributions).toMatchObject([{ ruleId: rule.id, ruleVersion: 1, points: 100 }]);
    expect(dryNow).toEqual({ ...real, dryRun: true, transactionId: null });
    expect(dryAsOfApril.points.total).toBe(100);

    // Before it was put in force: nothing.
    const february = ok(
      await p.call("POST", "/v1/events", purchase(member, 10_000, { occurredAt: "2026-02-10T15:00:00Z" })),
      201,
    );
    expect(february.points.total).toBe(0);
  });

  it("a later version is in force from when it is saved; the first version still judges the history", async () => {
    const { p, member } = await programmeToday();
    const rule = ok(await p.call("POST", "/v1/rules", { ...POINT_A_DOLLAR, inForceFrom: "2026-03-01T00:00:00Z" }), 201);
    t.clock.set("2026-06-02T12:00:00Z");
    const v2 = ok(
      await p.call("PATCH", `/v1/rules/${rule.id}`, {
        effect: { type: "points_per_amount", points: 3, per: 100, rounding: "floor" },
      }),
    );
    expect({ version: v2.version, inForceFrom: v2.inForceFrom }).toEqual({ version: 2, inForceFrom: "2026-03-01T00:00:00.000Z" });
    const april = ok(await p.call("POST", "/v1/events", purchase(member, 10_000, { occurredAt: "2026-04-10T15:00:00Z" })), 201);
    expect(april.contributions).toMatchObject([{ ruleVersion: 1, points: 100 }]);
    const today = ok(await p.call("POST", "/v1/events", purchase(member, 10_000)), 201);
    expect(today.contributions).toMatchObject([{ ruleVersion: 2, points: 300 }]);
    // Only on creation.
    const patched = await p.call("PATCH", `/v1/rules/${rule.id}`, { inForceFrom: "2026-01-01T00:00:00Z" });
    expect(patched.status).toBe(400);
  });

  it("without inForceFrom the rule is in force from when it was made: the April purchase earns nothing", async () => {
    const { p, member } = await programmeToday();
    const rule = ok(await p.call("POST", "/v1/rules", POINT_A_DOLLAR), 201);
    expect(rule.inForceFrom).toBeNull();
    const april = ok(await p.call("POST", "/v1/events", purchase(member, 10_000, { occurredAt: "2026-04-10T15:00:00Z" })), 201);
    expect(april.points.total).toBe(0);
  });

  it.each([
    ["in the future", { inForceFrom: "2026-06-01T12:00:01Z" }, "inForceFrom cannot be in the future"],
    ["on a campaign's rule", { inForceFrom: "2026-03-01T00:00:00Z", campaign: true }, "inForceFrom is for a standing rule"],
    ["not a date and time", { inForceFrom: "March" }, "inForceFrom"],
  ])("inForceFrom %s: refused in the one error shape, nothing written", async (_name, input, message) => {
    const { p } = await programmeToday();
    const before = ok(await p.call("GET", "/v1/rules")).data.length;
    let campaignId: string | undefined;
    if ("campaign" in input) campaignId = ok(await p.call("POST", "/v1/campaigns", { name: "Spring" }), 201).id;
    const res = await p.call("POST", "/v1/rules", { ...POINT_A_DOLLAR, inForceFrom: input.inForceFrom, campaignId });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe("validation_error");
    expect(JSON.stringify(res.body.error)).toContain(message);
    expect(ok(await p.call("GET", "/v1/rules")).data.length).toBe(before);
  });
});
