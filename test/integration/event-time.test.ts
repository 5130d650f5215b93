import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { purchase } from "../helpers/events.ts";
import { engines, type HttpResult, type Json, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * Event time: an event is judged as of when it occurred, whenever it arrives. A purchase posted
 * late (an offline till syncing, a history import) earns by the rule and campaign versions, the
 * tier, and the expiry of its occurredAt; points already expired are posted and expire at once;
 * and a dry run as of when it occurred answers what the real call does.
 */

function ok(res: HttpResult, status = 200) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

/** What an answer judged: everything but what depends on when it was received (balance, availability, ids). */
const judgement = (r: Json) => ({
  points: r.points.total,
  contributions: r.contributions.map((c: Json) => ({ ...c, availableAt: undefined })),
  skipped: r.skipped,
  stamps: r.stamps,
  occurredAt: r.occurredAt,
});

/** An answer as a dry run gives it: the same, flagged as a dry run, with no transaction. */
const asDryRun = (r: Json) => ({ ...r, dryRun: true, transactionId: null });

describe.each(engines())("event time on %s", (engine) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(engine, "2026-01-05T15:00:00Z");
  });
  afterAll(() => t.close());
  afterEach(async () => {
    const report = await t.app.services.verify();
    expect(report.checks.filter((c) => c.violations > 0)).toEqual([]);
  });

  /** A programme whose 1-point-per-dollar rule became 3 points in May, and whose Bronze member was made Gold (x2) in June. */
  async function storyOfChanges(): Promise<{ p: TestProgram; member: string; ruleId: string }> {
    t.clock.set("2026-01-05T15:00:00Z");
    const p = await t.createProgram({ pointsExpiry: { policy: "fixed_period", months: 6 } });
    const rule = ok(
      await p.call("POST", "/v1/rules", {
        name: "Points per dollar",
        trigger: "purchase",
        effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
      }),
      201,
    );
    const tiers = ok(
      await p.call("PUT", "/v1/tiers", {
        policy: { metric: "points_earned", window: { type: "rolling_months", months: 12 } },
        tiers: [
          { name: "Bronze", threshold: 0 },
          { name: "Gold", threshold: 1_000_000, earnMultiplier: 2 },
        ],
      }),
    );
    const member = await p.createMember({ name: "Late Lou" });
    t.clock.set("2026-05-02T15:00:00Z");
    ok(
      await p.call("PATCH", `/v1/rules/${rule.id}`, {
        effect: { type: "points_per_amount", points: 3, per: 100, rounding: "floor" },
      }),
    );
    t.clock.set("2026-06-02T15:00:00Z");
    const gold = tiers.tiers.find((x: Json) => x.name === "Gold").id;
    ok(await p.call("POST", `/v1/members/${member}/tier`, { tierId: gold, reason: "VIP" }));
    return { p, member, ruleId: rule.id };
  }

  it("a March purchase posted in December earns by March's rule and tier, and its expired points go to breakage at once", async () => {
    const { p, member, ruleId } = await storyOfChanges();
    t.clock.set("2026-12-01T15:00:00Z");
    const today = ok(await p.call("POST", "/v1/events", purchase(member, 10_000)), 201);
    // Today: 3 points a dollar, doubled by Gold.
    expect(today.points).toEqual({ total: 600, available: 600, pending: 0 });

    const march = purchase(member, 10_000, { occurredAt: "2026-03-10T15:00:00Z" });
    const asOfMarch = ok(await p.call("POST", "/v1/events?dryRun=true&asOf=2026-03-10T15:00:00Z", march), 201);
    const dryNow = ok(await p.call("POST", "/v1/events?dryRun=true", march), 201);
    const real = ok(await p.call("POST", "/v1/events", march), 201);

    // March's rule (version 1) and tier (Bronze, no multiplier); expiry six months from March.
    expect(real.points).toEqual({ total: 100, available: 0, pending: 0, expired: 100 });
    expect(real.contributions).toMatchObject([{ ruleId, ruleVersion: 1, points: 100, expiresAt: "2026-09-10T15:00:00.000Z" }]);
    expect(real.balance).toEqual({ available: 600, pending: 0, held: 0, debt: 0 });
    // The dry run as of March judged it the same; the dry run now answered exactly the real call.
    expect(judgement(asOfMarch)).toEqual(judgement(real));
    expect(dryNow).toEqual(asDryRun(real));

    // Posted and expired: in the ledger as earned and as breakage, not in the liability.
    const ledger = ok(await p.call("GET", `/v1/members/${member}/ledger?limit=10`));
    const lateEntries = ledger.data.filter((x: Json) => x.reason === `purchase ${march.id}` || x.type === "expiry");
    expect(lateEntries.map((x: Json) => [x.type, x.netChange]).sort()).toEqual([
      ["earn", 100],
      ["expiry", -100],
    ]);
    const overview = ok(await p.call("GET", "/v1/reports/overview?from=2026-12-01&to=2026-12-01"));
    expect({ outstanding: overview.outstandingPoints, expired: overview.totals.expired, issued: overview.totals.issued }).toEqual(
      {
        outstanding: 600,
        expired: 100,
        issued: 700,
      },
    );
  });

  it("a mixed batch: on-time and late events of one member, each judged as of its own time", async () => {
    const { p, member } = await storyOfChanges();
    t.clock.set("2026-12-01T15:00:00Z");
    const events = [
      purchase(member, 1_000),
      purchase(member, 1_000, { occurredAt: "2026-03-10T15:00:00Z" }),
      purchase(member, 1_000, { occurredAt: "2026-07-10T15:00:00Z" }),
      purchase(member, 1_000, { occurredAt: "2026-05-10T15:00:00Z" }),
    ];
    const dry = ok(await p.call("POST", "/v1/events/batch?dryRun=true", { events }));
    const real = ok(await p.call("POST", "/v1/events/batch", { events }));
    expect(real.results.map((r: Json) => [r.result.points.total, r.result.points.expired ?? 0])).toEqual([
      [60, 0], // today: 3 a dollar, Gold x2
      [10, 10], // March: 1 a dollar, Bronze; expired in September
      [60, 0], // July: 3 a dollar, Gold since June
      [30, 30], // May: 3 a dollar, still Bronze; expired in November
    ]);
    expect(dry.results.map((r: Json) => r.result)).toEqual(real.results.map((r: Json) => asDryRun(r.result)));
  });

  it("activity counts by when it happened: a late event is not activity today, and no range has more active members than members", async () => {
    t.clock.set("2026-01-05T15:00:00Z");
    const p = await t.createProgram({ unknownMemberPolicy: "enroll" });
    ok(
      await p.call("POST", "/v1/rules", {
        name: "Points per dollar",
        trigger: "purchase",
        effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
      }),
      201,
    );
    const early = await p.createMember({ name: "Early Eve" });
    t.clock.set("2026-12-01T15:00:00Z");
    // An offline till syncs Eve's March purchase; a history import enrols Ivan today with his March purchase.
    ok(await p.call("POST", "/v1/events", purchase(early, 5_000, { occurredAt: "2026-03-10T15:00:00Z" })), 201);
    const imported = ok(
      await p.call("POST", "/v1/events", {
        id: "import-1",
        type: "purchase",
        member: { externalId: "ivan-1" },
        amount: 5_000,
        occurredAt: "2026-03-11T15:00:00Z",
      }),
      201,
    );
    expect(imported.enrolled).toBe(true);
    const counts = async (to: string) => {
      const o = ok(await p.call("GET", `/v1/reports/overview?from=${to}&to=${to}`));
      return { members: o.members, active: o.activeMembers };
    };
    // Today: two members, neither did anything in the last 30 days.
    expect(await counts("2026-12-01")).toEqual({ members: 2, active: 0 });
    // March: Eve was a member and bought on the 10th; Ivan only joined in December.
    expect(await counts("2026-03-20")).toEqual({ members: 1, active: 1 });
    expect(await counts("2026-03-09")).toEqual({ members: 1, active: 0 });
  });

  it("property: for any occurredAt in the last two years, the dry run agrees with the real call", async () => {
    const DAY = 86_400_000;
    const start = Date.parse("2026-01-05T15:00:00Z");
    const end = start + 730 * DAY;
    // A history of changes over two years: each step a rule save or a member's tier assigned.
    const step = fc.record({
      afterDays: fc.integer({ min: 1, max: 120 }),
      change: fc.oneof(
        fc.record({ kind: fc.constant("rule" as const), points: fc.integer({ min: 1, max: 5 }) }),
        fc.record({ kind: fc.constant("tier" as const), tier: fc.integer({ min: 0, max: 2 }) }),
      ),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 729 }), { minLength: 1, maxLength: 3 }),
        async (steps, daysAgo) => {
          t.clock.set(new Date(start));
          const p = await t.createProgram({ pointsExpiry: { policy: "fixed_period", months: 9 }, pendingDays: 7 });
          const ladder = ok(
            await p.call("PUT", "/v1/tiers", {
              policy: { metric: "points_earned", window: { type: "rolling_months", months: 12 } },
              tiers: [
                { name: "Bronze", threshold: 0 },
                { name: "Silver", threshold: 1_000_000, earnMultiplier: 1.5 },
                { name: "Gold", threshold: 2_000_000, earnMultiplier: 2 },
              ],
            }),
          ).tiers as Json[];
          const member = await p.createMember({ name: "Prop" });
          const rule = ok(
            await p.call("POST", "/v1/rules", {
              name: "Points per dollar",
              trigger: "purchase",
              effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
            }),
            201,
          );
          let at = start;
          for (const s of steps) {
            at = Math.min(at + s.afterDays * DAY, end - DAY);
            t.clock.set(new Date(at));
            if (s.change.kind === "rule") {
              ok(
                await p.call("PATCH", `/v1/rules/${rule.id}`, {
                  effect: { type: "points_per_amount", points: s.change.points, per: 100, rounding: "floor" },
                }),
              );
            } else {
              ok(await p.call("POST", `/v1/members/${member}/tier`, { tierId: ladder[s.change.tier]?.id, reason: "history" }));
            }
          }
          t.clock.set(new Date(end));
          for (const ago of daysAgo) {
            const occurredAt = new Date(end - ago * DAY).toISOString();
            const event = purchase(member, 10_000, { occurredAt });
            const asOf = ok(await p.call("POST", `/v1/events?dryRun=true&asOf=${occurredAt}`, event), 201);
            const dry = ok(await p.call("POST", "/v1/events?dryRun=true", event), 201);
            const real = ok(await p.call("POST", "/v1/events", event), 201);
            expect(dry).toEqual(asDryRun(real));
            expect(judgement(asOf)).toEqual(judgement(real));
          }
        },
      ),
      { numRuns: 12, seed: 20261201 },
    );
  });
});
