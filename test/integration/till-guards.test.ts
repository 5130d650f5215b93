import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { engines, type Json, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/*
 * Issue 12, the till's guards: the largest purchase a programme accepts, $0 purchases that earn
 * nothing, the usual basket a till confirms against, voids and console returns through the return
 * engine (with the tier consequences the README states), and members found by their card number.
 */

const PER_DOLLAR = {
  name: "1 point per dollar",
  trigger: "purchase",
  effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
};

describe.each(engines())("till guards on %s", (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, "2026-05-04T15:00:00Z");
  });
  afterAll(() => t.close());
  afterEach(async () => {
    const report = await t.app.services.verify();
    expect(report.checks.filter((c) => c.violations > 0)).toEqual([]);
  });

  const programWithRule = async (settings: Record<string, unknown> = {}) => {
    const p = await t.createProgram(settings);
    expect((await p.call("POST", "/v1/rules", PER_DOLLAR)).status).toBe(201);
    return p;
  };
  const send = (p: TestProgram, body: Record<string, unknown>, query = "") =>
    p.call("POST", `/v1/events${query}`, { type: "purchase", ...body });
  const balance = async (p: TestProgram, m: string) => (await p.call("GET", `/v1/members/${m}/balance`)).body;
  const ledger = async (p: TestProgram, m: string) => (await p.call("GET", `/v1/members/${m}/ledger`)).body.data as Json[];

  describe("the largest purchase accepted", () => {
    const MESSAGE = "A purchase of $250,000.00 is above this programme's largest accepted purchase of $10,000.00";

    it("is $10,000.00 by default and refuses more, in money terms, on every path, writing nothing", async () => {
      const p = await programWithRule();
      expect((await p.call("GET", "/v1/programs/current")).body.maxPurchaseAmount).toBe(1_000_000);
      const m = await p.createMember({});

      const one = await send(p, { id: "big-1", memberId: m, amount: 25_000_000 });
      expect(one.status).toBe(400);
      expect(one.body.error).toMatchObject({ code: "validation_error", message: MESSAGE });
      const dry = await send(p, { id: "big-2", memberId: m, amount: 25_000_000 }, "?dryRun=true");
      expect(dry.status).toBe(400);
      expect(dry.body.error.message).toBe(MESSAGE);
      const items = await send(p, { id: "big-3", memberId: m, items: [{ sku: "tv", quantity: 25, unitPrice: 1_000_000 }] });
      expect(items.body.error.message).toBe(MESSAGE);
      const batch = await p.call("POST", "/v1/events/batch", {
        events: [
          { id: "big-4", type: "purchase", memberId: m, amount: 99_999_999_999 },
          { id: "ok-1", type: "purchase", memberId: m, amount: 1_000_000 },
        ],
      });
      expect(batch.body.results.map((r: Json) => r.status)).toEqual([400, 201]);
      expect(batch.body.results[0].error.message).toBe(
        "A purchase of $999,999,999.99 is above this programme's largest accepted purchase of $10,000.00",
      );
      // Only the $10,000.00 purchase earned.
      expect((await balance(p, m)).available).toBe(10_000);
      expect(await ledger(p, m)).toHaveLength(1);
      expect((await p.call("GET", "/v1/events/big-1")).status).toBe(404);
    });

    it("is the programme's own once set (console and API), and null puts the default back", async () => {
      const p = await programWithRule({ maxPurchaseAmount: 30_000_000 });
      const m = await p.createMember({});
      expect((await send(p, { id: "set-1", memberId: m, amount: 25_000_000 })).status).toBe(201);
      const lowered = await p.call("PATCH", "/v1/programs/current", { maxPurchaseAmount: 5_000 });
      expect(lowered.body.maxPurchaseAmount).toBe(5_000);
      expect((await send(p, { id: "set-2", memberId: m, amount: 5_001 })).body.error.message).toBe(
        "A purchase of $50.01 is above this programme's largest accepted purchase of $50.00",
      );
      const back = await p.call("PATCH", "/v1/programs/current", { maxPurchaseAmount: null });
      expect(back.body.maxPurchaseAmount).toBe(1_000_000);
      const bad = await p.call("PATCH", "/v1/programs/current", { maxPurchaseAmount: 0 });
      expect(bad.status).toBe(400);
    });

    it("leaves returns of a purchase above a lowered limit alone", async () => {
      const p = await programWithRule();
      const m = await p.createMember({});
      expect((await send(p, { id: "r-1", memberId: m, amount: 900_000 })).status).toBe(201);
      await p.call("PATCH", "/v1/programs/current", { maxPurchaseAmount: 100_000 });
      const ret = await p.call("POST", "/v1/events", { id: "r-2", type: "return", originalEventId: "r-1", amount: 900_000 });
      expect(ret.status, JSON.stringify(ret.body)).toBe(201);
    });
  });

  describe("$0 purchases", () => {
    it("are refused when they would earn nothing, and say why", async () => {
      const p = await programWithRule();
      const m = await p.createMember({});
      const zero = await send(p, { id: "z-1", memberId: m, amount: 0 });
      expect(zero.status).toBe(400);
      expect(zero.body.error).toMatchObject({
        code: "validation_error",
        message: "A purchase of $0.00 earns nothing in this programme: enter the amount paid",
        details: { field: "amount" },
      });
      expect((await send(p, { id: "z-2", memberId: m, amount: 0 }, "?dryRun=true")).status).toBe(400);
      // Refused by the rules' outcome, so stored as refused against its id (a retry answers the same).
      expect((await p.call("GET", "/v1/events/z-1")).body).toMatchObject({ status: "rejected", points: 0 });
      expect(await ledger(p, m)).toEqual([]);
    });

    it("are kept when a rule gives them something (a stamp for a visit)", async () => {
      const p = await t.createProgram();
      const stamp = { name: "Visit stamp", trigger: "purchase", effect: { type: "stamps", cardSize: 5, rewardPoints: 50 } };
      expect((await p.call("POST", "/v1/rules", stamp)).status).toBe(201);
      const m = await p.createMember({});
      const visit = await send(p, { id: "v-1", memberId: m, amount: 0 });
      expect(visit.status, JSON.stringify(visit.body)).toBe(201);
      expect(visit.body.stamps).toEqual([expect.objectContaining({ progress: 1 })]);
    });
  });

  it("gives the till the usual basket to confirm against", async () => {
    const p = await programWithRule();
    const m = await p.createMember({});
    const empty = (await p.call("GET", "/v1/purchase-stats")).body;
    expect(empty).toEqual({
      currency: "USD",
      maxPurchaseAmount: 1_000_000,
      sample: 0,
      median: null,
      p99: null,
      confirmAbove: null,
    });
    const events = Array.from({ length: 24 }, (_, i) => ({
      id: `u-${i}`,
      type: "purchase",
      memberId: m,
      amount: i === 0 ? 4_000 : 1_000,
    }));
    expect((await p.call("POST", "/v1/events/batch", { events })).body.summary.accepted).toBe(24);
    const stats = (await p.call("GET", "/v1/purchase-stats")).body;
    expect(stats).toMatchObject({ sample: 24, median: 1_000, p99: 4_000, confirmAbove: 5_000 });
    const pos = await p.call("POST", "/v1/api-keys", { name: "till", scope: "pos" });
    expect((await p.call("GET", "/v1/purchase-stats", undefined, { key: pos.body.secret })).status).toBe(200);
  });

  describe("voids and returns", () => {
    const SPEND_TIERS = {
      policy: { metric: "spend", window: { type: "rolling_months", months: 12 }, periodMonths: 12, graceDays: 30 },
      tiers: [
        { name: "Bronze", threshold: 0 },
        { name: "Silver", threshold: 50_000 },
      ],
    };
    const voidOf = (id: string, amount: number, voidId = `void-${id}`) => ({
      id: voidId,
      type: "return",
      originalEventId: id,
      amount,
      reason: "void at till",
    });
    const tierOf = async (p: TestProgram, m: string) => (await p.call("GET", `/v1/members/${m}/tier`)).body;

    it("a void takes the sale's points back, lowers the tier metric without a downgrade, and a second void is refused", async () => {
      const p = await programWithRule();
      expect((await p.call("PUT", "/v1/tiers", SPEND_TIERS)).status).toBe(200);
      const m = await p.createMember({});
      expect((await send(p, { id: "s-1", memberId: m, amount: 20_000 })).status).toBe(201);
      const sale = await send(p, { id: "s-2", memberId: m, amount: 40_000 });
      expect(sale.body.tierChange).toMatchObject({ to: { name: "Silver" } });
      expect((await balance(p, m)).available).toBe(600);

      const voided = await p.call("POST", "/v1/events", voidOf("s-2", 40_000));
      expect(voided.status, JSON.stringify(voided.body)).toBe(201);
      expect(voided.body.return).toMatchObject({ pointsTakenBack: 400, totalReturnedAmount: 40_000 });
      expect((await balance(p, m)).available).toBe(200);
      // README: returns lower the metric but never downgrade by themselves (only a review does).
      const tier = await tierOf(p, m);
      expect({ tier: tier.tier.name, metric: tier.progress.metric }).toEqual({ tier: "Silver", metric: 20_000 });
      // The reason is in the member's history.
      expect((await ledger(p, m))[0].reason).toBe("Return void-s-2 of purchase s-2: void at till");

      // The same void again is a replay; another void of the same sale is refused, nothing changes.
      const replay = await p.call("POST", "/v1/events", voidOf("s-2", 40_000));
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
      const second = await p.call("POST", "/v1/events", voidOf("s-2", 40_000, "void-again"));
      expect(second.status).toBe(422);
      expect(second.body.error.message).toBe("Returns would total $800.00, more than the purchase's $400.00");
      expect((await balance(p, m)).available).toBe(200);
    });

    it("two voids of one sale at once: one succeeds", async () => {
      const p = await programWithRule();
      const m = await p.createMember({});
      expect((await send(p, { id: "c-1", memberId: m, amount: 12_345 })).status).toBe(201);
      const answers = await Promise.all([
        p.call("POST", "/v1/events", voidOf("c-1", 12_345, "void-a")),
        p.call("POST", "/v1/events", voidOf("c-1", 12_345, "void-b")),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([201, 422]);
      expect((await balance(p, m)).available).toBe(0);
      expect((await p.call("GET", "/v1/events/c-1")).body).toMatchObject({ returnedAmount: 12_345, clawedBack: 123 });
    });

    it("the console returns part of any purchase with a reason; reason is for returns only", async () => {
      const p = await programWithRule();
      const m = await p.createMember({});
      expect((await send(p, { id: "h-1", memberId: m, amount: 10_000 })).status).toBe(201);
      const part = await p.call("POST", "/v1/events", {
        id: "h-ret",
        type: "return",
        originalEventId: "h-1",
        amount: 2_500,
        reason: "damaged item",
      });
      expect(part.body.return).toMatchObject({ returnedAmount: 2_500, pointsTakenBack: 25 });
      expect((await balance(p, m)).available).toBe(75);
      const wrong = await send(p, { id: "h-2", memberId: m, amount: 100, reason: "why" });
      expect(wrong.body.error).toMatchObject({ code: "validation_error", details: { field: "reason" } });
    });
  });

  it("finds a member by card number, typed with spaces or dashes", async () => {
    const p = await t.createProgram();
    const a = await p.createMember({ name: "Ada" });
    const b = await p.createMember({ name: "Bea" });
    const cardA = (await p.call("GET", `/v1/members/${a}`)).body.cardNumber as string;
    const cardB = (await p.call("GET", `/v1/members/${b}`)).body.cardNumber as string;
    expect(cardA).toMatch(/^\d{12}$/);
    expect(cardB).toMatch(/^\d{12}$/);
    expect(cardA).not.toBe(cardB);
    const spaced = `${cardA.slice(0, 4)} ${cardA.slice(4, 8)}-${cardA.slice(8)}`;
    const found = await p.call("GET", `/v1/members?cardNumber=${encodeURIComponent(spaced)}`);
    expect(found.body.data.map((x: Json) => x.id)).toEqual([a]);
    // Another programme's member is not found by this programme's card number.
    const other = await t.createProgram();
    expect((await other.call("GET", `/v1/members?cardNumber=${cardA}`)).body.data).toEqual([]);
  });
});
