import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, type Json, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/*
 * Random purchases, returns, replays, spends and clock moves, driven through the HTTP API on
 * every engine, against a naive model of the programme's rules written from the spec:
 *   - 1 point per whole dollar (floor);
 *   - 10 bonus points for a purchase of $50 or more, at most twice per calendar month (UTC);
 *   - a purchase of $0 earns nothing, so it is refused;
 *   - a return takes back the purchase's points in proportion to the amount returned so far
 *     (half up), never more than the purchase gave; the policy allows debt, so none is refused.
 * After every step: each answer matches the model, the member's net points (available + pending
 * - debt) equal what the rules allow minus what returns took and spends used, and replays change
 * nothing. The ledger verifies at the end of every run.
 */

const DAY = 86_400_000;

type Step =
  | { kind: "purchase"; amount: number }
  | { kind: "return"; pick: number; share: number }
  | { kind: "replay"; pick: number }
  | { kind: "spend"; points: number }
  | { kind: "wait"; days: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("purchase" as const), amount: fc.integer({ min: 0, max: 12_000 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("return" as const),
      pick: fc.nat(),
      share: fc.integer({ min: 1, max: 100 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("replay" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("spend" as const), points: fc.integer({ min: 1, max: 80 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("wait" as const), days: fc.integer({ min: 1, max: 20 }) }) },
);

/** Half up, in integers: the rounding the spec names for returns. */
const share = (total: number, part: number, whole: number) =>
  whole === 0 ? 0 : Math.floor((2 * total * part + whole) / (2 * whole));

interface Purchase {
  id: string;
  amount: number;
  points: number;
  returned: number;
  clawed: number;
}

class Model {
  readonly purchases: Purchase[] = [];
  readonly sent: { id: string; body: Json; answer: Json }[] = [];
  readonly bonusesByMonth = new Map<string, number>();
  net = 0;

  purchase(id: string, amount: number, at: Date): number {
    const month = at.toISOString().slice(0, 7);
    const bonuses = this.bonusesByMonth.get(month) ?? 0;
    const bonus = amount >= 5_000 && bonuses < 2 ? 10 : 0;
    if (bonus) this.bonusesByMonth.set(month, bonuses + 1);
    const points = Math.floor(amount / 100) + bonus;
    this.purchases.push({ id, amount, points, returned: 0, clawed: 0 });
    this.net += points;
    return points;
  }

  /** Points a return takes, or null when it would exceed the purchase (refused). */
  ret(p: Purchase, amount: number): number | null {
    if (p.returned + amount > p.amount) return null;
    p.returned += amount;
    const target = Math.min(p.points, share(p.points, p.returned, p.amount));
    const take = target - p.clawed;
    p.clawed = target;
    this.net -= take;
    return take;
  }
}

describe.each(engines())("earning: random purchases and returns against a model, on %s", (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, "2026-01-05T12:00:00Z");
  });
  afterAll(() => t.close());

  const setUp = async (): Promise<{ p: TestProgram; member: string }> => {
    const p = await t.createProgram({ timezone: "UTC", returnPolicy: "allow_debt" });
    for (const rule of [
      {
        name: "1 point per dollar",
        trigger: "purchase",
        effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
      },
      {
        name: "Big basket bonus",
        trigger: "purchase",
        conditions: [{ type: "min_amount", amount: 5_000 }],
        effect: { type: "fixed_points", points: 10 },
        limits: { perMember: { period: "month", maxAwards: 2 } },
      },
    ]) {
      expect((await p.call("POST", "/v1/rules", rule)).status).toBe(201);
    }
    return { p, member: await p.createMember({}) };
  };

  it("never awards more than the rules allow, never takes back more than was given, and replays change nothing", {
    timeout: 240_000,
  }, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 5, maxLength: engine === "pglite" ? 18 : 25 }), async (steps) => {
        run += 1;
        const { p, member } = await setUp();
        const model = new Model();
        const balance = async () => (await p.call("GET", `/v1/members/${member}/balance`)).body;
        let n = 0;
        for (const step of steps) {
          n += 1;
          if (step.kind === "wait") {
            t.clock.advance(step.days * DAY);
            continue;
          }
          if (step.kind === "spend") {
            if ((await balance()).available < step.points) continue;
            const res = await p.call("POST", `/v1/members/${member}/adjustments`, { points: -step.points, reason: "spend" });
            expect(res.status, JSON.stringify(res.body)).toBe(201);
            model.net -= step.points;
          } else if (step.kind === "purchase") {
            const body = { id: `r${run}-p${n}`, type: "purchase", memberId: member, amount: step.amount };
            const res = await p.call("POST", "/v1/events", body);
            // A $0 purchase earns nothing under these rules: refused (issue 12), nothing written.
            if (step.amount === 0) {
              expect(res.status, JSON.stringify(res.body)).toBe(400);
              continue;
            }
            expect(res.status, JSON.stringify(res.body)).toBe(201);
            const points = model.purchase(body.id, step.amount, t.clock.now());
            expect(res.body.points.total, `purchase of ${step.amount}`).toBe(points);
            model.sent.push({ id: body.id, body, answer: res.body });
          } else if (step.kind === "return") {
            const purchase = model.purchases[step.pick % Math.max(1, model.purchases.length)];
            if (!purchase) continue;
            const amount = Math.max(1, Math.round((purchase.amount * step.share) / 100));
            const body = { id: `r${run}-r${n}`, type: "return", originalEventId: purchase.id, amount };
            const res = await p.call("POST", "/v1/events", body);
            const take = model.ret(purchase, amount);
            if (take === null) {
              expect(res.status, JSON.stringify(res.body)).toBe(422);
              continue;
            }
            expect(res.status, JSON.stringify(res.body)).toBe(201);
            expect(res.body.points.total).toBe(0 - take);
            expect(res.body.return.totalTakenBack).toBeLessThanOrEqual(purchase.points);
            model.sent.push({ id: body.id, body, answer: res.body });
          } else {
            const earlier = model.sent[step.pick % Math.max(1, model.sent.length)];
            if (!earlier) continue;
            const before = await balance();
            const res = await p.call("POST", "/v1/events", earlier.body);
            expect(res.headers.get("idempotent-replayed")).toBe("true");
            expect(res.body).toEqual(earlier.answer);
            const after = await balance();
            expect(after).toEqual(before);
          }
          const b = await balance();
          expect(b.available + b.pending - b.debt, `net points after step ${n} (${step.kind})`).toBe(model.net);
        }
        // What each purchase gave and what returns took, as stored.
        for (const purchase of model.purchases) {
          const stored = (await p.call("GET", `/v1/events/${purchase.id}`)).body;
          expect({ points: stored.points, clawedBack: stored.clawedBack, returned: stored.returnedAmount }).toEqual({
            points: purchase.points,
            clawedBack: purchase.clawed,
            returned: purchase.returned,
          });
        }
        const verified = await t.app.services.verify();
        expect(verified.ok, JSON.stringify(verified.checks.filter((c) => c.violations > 0))).toBe(true);
      }),
      { numRuns: engine === "pglite" ? 30 : 40 },
    );
  });
});
