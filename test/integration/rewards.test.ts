import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, type Json, startTestApp, type TestApp, type TestProgram, verifyCorrupted } from "../helpers/test-app.ts";

/*
 * The rewards catalogue, redemptions (one- and two-phase), vouchers and paying with points,
 * through the HTTP API on both engines, with exact balances and the lots points come from.
 */

const DAY = 86_400_000;

describe.each(engines())("rewards, redemptions and vouchers on %s", (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, "2026-03-02T15:00:00Z");
  });
  afterAll(async () => {
    const report = await t.app.services.verify();
    expect(report.ok, JSON.stringify(report.checks.filter((c: Json) => !c.ok))).toBe(true);
    await t.close();
  });

  const ok = <T extends { status: number; body: Json }>(res: T, status = 200) => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    return res.body;
  };
  const reward = async (p: TestProgram, body: Record<string, unknown>) =>
    ok(
      await p.call("POST", "/v1/rewards", {
        name: "Reward",
        type: "discount_amount",
        value: { amount: 500 },
        costPoints: 100,
        ...body,
      }),
      201,
    );
  const credit = async (p: TestProgram, m: string, points: number, expiresAt?: string) =>
    ok(await p.call("POST", `/v1/members/${m}/adjustments`, { points, reason: "seed", ...(expiresAt && { expiresAt }) }), 201);
  const balance = async (p: TestProgram, m: string) => ok(await p.call("GET", `/v1/members/${m}/balance`));
  const redeem = (p: TestProgram, m: string, body: Record<string, unknown>, idempotencyKey?: string) =>
    p.call("POST", `/v1/members/${m}/redemptions`, body, idempotencyKey ? { idempotencyKey } : {});

  it("keeps a catalogue of every reward type and refuses bad terms in the one error shape", async () => {
    const p = await t.createProgram();
    const types: [string, Record<string, unknown>][] = [
      ["discount_amount", { amount: 500 }],
      ["discount_percent", { percent: 15, maxAmount: 2000 }],
      ["free_product", { sku: "LATTE-12", productName: "Latte" }],
      ["store_credit", { amount: 1000 }],
      ["experience", { details: "Barista class" }],
      ["donation", { charity: "Food bank", amount: 100 }],
    ];
    for (const [type, value] of types) {
      const r = await reward(p, { name: type, type, value });
      expect(r.id).toMatch(/^rwd_/);
      expect(r.value).toEqual(value);
      expect(r.codeFormat.type).toBe(type === "donation" ? "none" : "generated");
    }
    const list = ok(await p.call("GET", "/v1/rewards?limit=4"));
    expect(list.data).toHaveLength(4);
    const rest = ok(await p.call("GET", `/v1/rewards?limit=4&cursor=${list.nextCursor}`));
    expect(rest.data).toHaveLength(2);
    expect(rest.nextCursor).toBeNull();

    const bad = await p.call("POST", "/v1/rewards", {
      name: "x",
      type: "discount_percent",
      value: { amount: 5 },
      costPoints: 10,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_error");
    expect(bad.body.error.details.field).toBe("value");
    const noTier = await p.call("POST", "/v1/rewards", {
      name: "x",
      type: "experience",
      value: {},
      costPoints: 10,
      minTierId: "tie_nope",
    });
    expect(noTier.body.error.details.field).toBe("minTierId");
    const window = await p.call("POST", "/v1/rewards", {
      name: "x",
      type: "experience",
      value: {},
      costPoints: 10,
      availableFrom: "2026-05-01",
      availableUntil: "2026-04-01",
    });
    expect(window.status).toBe(400);
    expect(ok(await p.call("GET", "/v1/rewards")).data).toHaveLength(6);
  });

  it("spends soonest-expiring lots first, issues an unguessable voucher, and replays a retry", async () => {
    const p = await t.createProgram({ timezone: "UTC" });
    const m = await p.createMember({});
    const late = await credit(p, m, 300, "2027-01-01T00:00:00Z");
    const soon = await credit(p, m, 150, "2026-06-01T00:00:00Z");
    const r = await reward(p, {
      costPoints: 200,
      voucherValidDays: 30,
      codeFormat: { type: "generated", prefix: "SB", length: 12 },
    });
    const first = await redeem(p, m, { rewardId: r.id }, "redeem-1");
    const body = ok(first, 201);
    expect(body.status).toBe("completed");
    expect(body.points).toBe(200);
    expect(body.vouchers).toHaveLength(1);
    expect(body.vouchers[0].code).toMatch(/^SB-[A-HJ-KM-NP-Z2-9]{4}-[A-HJ-KM-NP-Z2-9]{4}-[A-HJ-KM-NP-Z2-9]{4}$/);
    expect(body.vouchers[0].expiresAt).toBe("2026-04-02T00:00:00.000Z");
    expect(body.balance.available).toBe(250);
    const txn = ok(await p.call("GET", `/v1/ledger/transactions/${body.transactionId}`));
    expect(txn.type).toBe("capture");
    const taken = Object.fromEntries(txn.lots.map((l: Json) => [l.lotId, l.points]));
    expect(taken).toEqual({ [soon.transaction.lots[0].lotId]: -150, [late.transaction.lots[0].lotId]: -50 });

    const replay = await redeem(p, m, { rewardId: r.id }, "redeem-1");
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body.id).toBe(body.id);
    expect((await balance(p, m)).available).toBe(250);
    expect(ok(await p.call("GET", `/v1/members/${m}/redemptions`)).data).toHaveLength(1);
  });

  it("lists every reason a member cannot redeem, and refuses with the first", async () => {
    const p = await t.createProgram({ timezone: "UTC" });
    const m = await p.createMember({ attributes: { segments: ["students"] } });
    await credit(p, m, 120);
    const cheap = await reward(p, { name: "cheap", costPoints: 50, memberLimit: { count: 1, period: "month" } });
    const dear = await reward(p, { name: "dear", costPoints: 500 });
    const gone = await reward(p, { name: "gone", costPoints: 10, stock: 0 });
    const later = await reward(p, { name: "later", costPoints: 10, availableFrom: "2026-04-01" });
    const over = await reward(p, { name: "over", costPoints: 10, availableUntil: "2026-03-01" });
    const staff = await reward(p, { name: "staff", costPoints: 10, segments: ["staff"] });
    const students = await reward(p, { name: "students", costPoints: 10, segments: ["students", "staff"] });
    ok(await redeem(p, m, { rewardId: cheap.id }), 201);

    const view = ok(await p.call("GET", `/v1/members/${m}/rewards`));
    expect(view.available).toBe(70);
    const byName = Object.fromEntries(view.data.map((d: Json) => [d.reward.name, d]));
    const codes = (name: string) => byName[name].reasons.map((r: Json) => r.code);
    expect(codes("cheap")).toEqual(["limit_reached"]);
    expect(codes("dear")).toEqual(["insufficient_points"]);
    expect(byName.dear.reasons[0].missingPoints).toBe(430);
    expect(codes("gone")).toEqual(["out_of_stock"]);
    expect(codes("later")).toEqual(["not_yet_available"]);
    expect(codes("over")).toEqual(["ended"]);
    expect(codes("staff")).toEqual(["segment_required"]);
    expect(byName.students.redeemable).toBe(true);
    expect(byName.students.maxQuantity).toBe(7);

    const refusals: [string, string][] = [
      [cheap.id, "limit_reached"],
      [dear.id, "insufficient_points"],
      [gone.id, "out_of_stock"],
      [later.id, "reward_unavailable"],
      [over.id, "reward_unavailable"],
      [staff.id, "reward_unavailable"],
    ];
    for (const [rewardId, code] of refusals) {
      const res = await redeem(p, m, { rewardId });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.details.reasons.length).toBeGreaterThan(0);
    }
    expect((await balance(p, m)).available).toBe(70);
    // Next month the limit has room again.
    t.clock.set("2026-04-01T00:00:01Z");
    expect(ok(await p.call("GET", `/v1/members/${m}/rewards`)).data.find((d: Json) => d.reward.name === "cheap").redeemable).toBe(
      true,
    );
    t.clock.set("2026-03-02T15:00:00Z");
    const blocked = await p.createMember({});
    await credit(p, blocked, 100);
    ok(await p.call("PATCH", `/v1/members/${blocked}`, { status: "blocked" }));
    const refused = await redeem(p, blocked, { rewardId: students.id });
    expect(refused.body.error.code).toBe("member_blocked");
    expect(students.id).toMatch(/^rwd_/);
  });

  it("reserves at a till, then confirms, cancels, or lets the reservation time out", async () => {
    const p = await t.createProgram({ timezone: "UTC" });
    const m = await p.createMember({});
    await credit(p, m, 1_000);
    const r = await reward(p, { costPoints: 100, stock: 5 });

    const reserved = ok(await redeem(p, m, { rewardId: r.id, quantity: 2, reserve: true, holdSeconds: 600 }), 201);
    expect(reserved.status).toBe("reserved");
    expect(reserved.vouchers).toEqual([]);
    expect(reserved.balance).toMatchObject({ available: 800, held: 200 });
    expect(ok(await p.call("GET", `/v1/rewards/${r.id}`)).stock).toEqual({ total: 5, remaining: 3 });
    const confirmed = ok(await p.call("POST", `/v1/redemptions/${reserved.id}/confirm`, {}));
    expect(confirmed.status).toBe("completed");
    expect(confirmed.vouchers).toHaveLength(2);
    expect(confirmed.balance).toMatchObject({ available: 800, held: 0 });
    const again = await p.call("POST", `/v1/redemptions/${reserved.id}/confirm`, {});
    expect(again.body.error.code).toBe("invalid_state");

    const second = ok(await redeem(p, m, { rewardId: r.id, reserve: true }), 201);
    const cancelled = ok(await p.call("POST", `/v1/redemptions/${second.id}/cancel`, { reason: "Changed mind" }));
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.cancelReason).toBe("Changed mind");
    expect(cancelled.balance).toMatchObject({ available: 800, held: 0 });
    expect(ok(await p.call("GET", `/v1/rewards/${r.id}`)).stock.remaining).toBe(3);

    const third = ok(await redeem(p, m, { rewardId: r.id, reserve: true, holdSeconds: 60 }), 201);
    expect(ok(await p.call("GET", `/v1/rewards/${r.id}`)).stock.remaining).toBe(2);
    t.clock.advance(61_000);
    expect(ok(await p.call("GET", `/v1/redemptions/${third.id}`)).status).toBe("expired");
    expect((await p.call("POST", `/v1/redemptions/${third.id}/confirm`, {})).body.error.code).toBe("invalid_state");
    const jobs = ok(await p.call("POST", "/v1/jobs/run", {}));
    expect(jobs.reservationsExpired).toBe(1);
    expect(ok(await p.call("POST", "/v1/jobs/run", {})).reservationsExpired).toBe(0);
    expect(ok(await p.call("GET", `/v1/rewards/${r.id}`)).stock.remaining).toBe(3);
    expect(await balance(p, m)).toMatchObject({ available: 800, held: 0 });
    const hold = ok(await p.call("GET", `/v1/holds/${third.holdId}`));
    expect(hold.status).toBe("expired");
  });

  it("cancelling an unused redemption returns the points to the lots they came from", async () => {
    const p = await t.createProgram({ timezone: "UTC" });
    const m = await p.createMember({});
    const a = await credit(p, m, 100, "2026-04-01T00:00:00Z");
    const b = await credit(p, m, 100, "2026-09-01T00:00:00Z");
    const r = await reward(p, { costPoints: 150, stock: 1 });
    const red = ok(await redeem(p, m, { rewardId: r.id }), 201);
    expect(ok(await p.call("GET", `/v1/rewards/${r.id}`)).stock.remaining).toBe(0);
    const cancelled = ok(await p.call("POST", `/v1/redemptions/${red.id}/cancel`, {}));
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.vouchers[0].status).toBe("cancelled");
    expect(cancelled.balance.available).toBe(200);
    const reversal = ok(await p.call("GET", `/v1/ledger/transactions/${cancelled.cancelTransactionId}`));
    expect(reversal.type).toBe("reversal");
    const back = Object.fromEntries(reversal.lots.map((l: Json) => [l.lotId, l.points]));
    expect(back).toEqual({ [a.transaction.lots[0].lotId]: 100, [b.transaction.lots[0].lotId]: 50 });
    expect(ok(await p.call("GET", `/v1/rewards/${r.id}`)).stock.remaining).toBe(1);
    // The voucher of a cancelled redemption no longer works.
    const use = await p.call("POST", `/v1/vouchers/${red.vouchers[0].code}/redeem`, {});
    expect(use.body.error.code).toBe("voucher_cancelled");
    expect((await p.call("POST", `/v1/redemptions/${red.id}/cancel`, {})).body.error.code).toBe("invalid_state");
    // Points returned to a lot that expired meanwhile go on to breakage.
    const red2 = ok(await redeem(p, m, { rewardId: r.id }), 201);
    t.clock.set("2026-04-15T00:00:00Z");
    const late = ok(await p.call("POST", `/v1/redemptions/${red2.id}/cancel`, {}));
    expect(late.balance.available).toBe(100);
    t.clock.set("2026-03-02T15:00:00Z");
  });

  it("vouchers: checked without use, used once, refused after expiry, unknown to other programmes, not cancellable once used", async () => {
    const p = await t.createProgram({ timezone: "UTC" });
    const other = await t.createProgram({ timezone: "UTC" });
    const m = await p.createMember({});
    await credit(p, m, 1_000);
    const r = await reward(p, { costPoints: 100, voucherValidDays: 1 });
    const red = ok(await redeem(p, m, { rewardId: r.id, quantity: 2 }), 201);
    const [v1, v2] = red.vouchers.map((v: Json) => v.code);

    const check = ok(await p.call("GET", `/v1/vouchers/${v1.toLowerCase()}`));
    expect(check).toMatchObject({ code: v1, valid: true, status: "issued", invalidReason: null, memberId: m });
    expect(check.reward.id).toBe(r.id);
    const used = ok(await p.call("POST", `/v1/vouchers/${v1}/redeem`, { orderId: "order-1" }));
    expect(used).toMatchObject({ status: "used", valid: false, usedOrderId: "order-1" });
    const twice = await p.call("POST", `/v1/vouchers/${v1}/redeem`, { orderId: "order-2" });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe("voucher_used");
    expect(ok(await p.call("GET", `/v1/vouchers/${v1}`)).invalidReason).toBe("voucher_used");

    const foreign = await other.call("POST", `/v1/vouchers/${v2}/redeem`, {});
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe("not_found");
    expect((await other.call("GET", `/v1/vouchers/${v2}`)).status).toBe(404);

    const cancel = await p.call("POST", `/v1/redemptions/${red.id}/cancel`, {});
    expect(cancel.status).toBe(409);
    expect(cancel.body.error.code).toBe("voucher_used");
    expect((await balance(p, m)).available).toBe(800);

    t.clock.advance(3 * DAY);
    const expired = await p.call("POST", `/v1/vouchers/${v2}/redeem`, {});
    expect(expired.body.error.code).toBe("voucher_expired");
    expect(ok(await p.call("GET", `/v1/vouchers/${v2}`)).status).toBe("expired");
    t.clock.set("2026-03-02T15:00:00Z");

    // Two checkouts at once: one succeeds.
    const red3 = ok(await redeem(p, m, { rewardId: r.id }), 201);
    const race = await Promise.all(
      Array.from({ length: 5 }, () => p.call("POST", `/v1/vouchers/${red3.vouchers[0].code}/redeem`, {})),
    );
    expect(race.filter((x) => x.status === 200)).toHaveLength(1);
    expect(race.filter((x) => x.body.error?.code === "voucher_used")).toHaveLength(4);
    const listed = ok(await p.call("GET", `/v1/members/${m}/vouchers`));
    expect(listed.data).toHaveLength(3);
  });

  it("hands out imported pool codes once and runs out of stock with the pool", async () => {
    const p = await t.createProgram();
    const r = await reward(p, { type: "store_credit", value: { amount: 2500 }, costPoints: 10, codeFormat: { type: "pool" } });
    const imported = ok(
      await p.call("POST", `/v1/rewards/${r.id}/codes`, { codes: ["gift-aaaa-0001", "GIFT-AAAA-0002", "gift-aaaa-0001"] }),
    );
    expect(imported).toEqual({ imported: 2, skipped: ["gift-aaaa-0001"], codesAvailable: 2 });
    const m = await p.createMember({});
    await credit(p, m, 100);
    const one = ok(await redeem(p, m, { rewardId: r.id }), 201);
    expect(one.vouchers[0].code).toBe("GIFT-AAAA-0001");
    const reserved = ok(await redeem(p, m, { rewardId: r.id, reserve: true }), 201);
    expect(ok(await p.call("GET", `/v1/rewards/${r.id}`)).codesAvailable).toBe(0);
    expect((await redeem(p, m, { rewardId: r.id })).body.error.code).toBe("out_of_stock");
    ok(await p.call("POST", `/v1/redemptions/${reserved.id}/cancel`, {}));
    expect(ok(await p.call("GET", `/v1/rewards/${r.id}`)).codesAvailable).toBe(1);
    const two = ok(await redeem(p, m, { rewardId: r.id }), 201);
    expect(two.vouchers[0].code).toBe("GIFT-AAAA-0002");
    const dup = ok(await p.call("POST", `/v1/rewards/${r.id}/codes`, { codes: ["GIFT-AAAA-0002"] }));
    expect(dup.imported).toBe(0);
  });

  it("changes stock without overselling what is taken", async () => {
    const p = await t.createProgram();
    const r = await reward(p, { costPoints: 10, stock: 3 });
    const m = await p.createMember({});
    await credit(p, m, 100);
    ok(await redeem(p, m, { rewardId: r.id, quantity: 2 }), 201);
    const below = await p.call("PATCH", `/v1/rewards/${r.id}`, { stock: 1 });
    expect(below.status).toBe(409);
    expect(below.body.error.details.taken).toBe(2);
    expect(ok(await p.call("PATCH", `/v1/rewards/${r.id}`, { stock: 10 })).stock).toEqual({ total: 10, remaining: 8 });
    expect(ok(await p.call("PATCH", `/v1/rewards/${r.id}`, { stock: null })).stock).toBeNull();
    expect(ok(await p.call("PATCH", `/v1/rewards/${r.id}`, { stock: 4 })).stock).toEqual({ total: 4, remaining: 2 });
    const patched = ok(await p.call("PATCH", `/v1/rewards/${r.id}`, { status: "inactive", costPoints: 20 }));
    expect(patched.version).toBe(5);
    expect((await redeem(p, m, { rewardId: r.id })).body.error.code).toBe("reward_unavailable");
  });

  it("pays with points within the programme's limits and refunds to the same lots", async () => {
    const off = await t.createProgram();
    const mOff = await off.createMember({});
    const refusedOff = await off.call("POST", `/v1/members/${mOff}/payments`, { orderId: "o", amount: 100, currency: "USD" });
    expect(refusedOff.body.error.code).toBe("invalid_state");

    const p = await t.createProgram({
      timezone: "UTC",
      paymentPolicy: { pointValue: 0.5, minPoints: 100, minSharePercent: 0, maxSharePercent: 50 },
    });
    const m = await p.createMember({});
    const a = await credit(p, m, 1_000, "2026-05-01T00:00:00Z");
    const b = await credit(p, m, 1_000, "2026-12-01T00:00:00Z");
    const quote = ok(await p.call("GET", `/v1/members/${m}/payments/quote?orderTotal=3000`));
    expect(quote).toMatchObject({ available: 2_000, minAmount: 50, maxAmount: 1_000, maxPoints: 2_000 });
    const tooMuch = await p.call("POST", `/v1/members/${m}/payments`, {
      orderId: "o1",
      amount: 1_600,
      currency: "USD",
      orderTotal: 3_000,
    });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error.code).toBe("unprocessable");
    const wrongCurrency = await p.call("POST", `/v1/members/${m}/payments`, {
      orderId: "o1",
      amount: 100,
      currency: "EUR",
      orderTotal: 3_000,
    });
    expect(wrongCurrency.status).toBe(400);
    const poor = await p.call("POST", `/v1/members/${m}/payments`, {
      orderId: "o1",
      amount: 1_001,
      currency: "usd",
      orderTotal: 9_000,
    });
    expect(poor.body.error.code).toBe("insufficient_points");

    const paid = ok(
      await p.call("POST", `/v1/members/${m}/payments`, { orderId: "o1", amount: 751, currency: "usd", orderTotal: 3_000 }),
      201,
    );
    expect(paid).toMatchObject({ amount: 751, points: 1_502, status: "completed", currency: "USD" });
    expect(paid.balance.available).toBe(498);
    const r1 = ok(await p.call("POST", `/v1/payments/${paid.id}/refunds`, { amount: 251 }), 201);
    expect(r1).toMatchObject({ status: "partially_refunded", refundedAmount: 251, refundedPoints: 502 });
    const back1 = ok(await p.call("GET", `/v1/ledger/transactions/${r1.refunds[0].transactionId}`));
    expect(back1.type).toBe("refund");
    // Latest expiry first: the 502 go back to lot b, which gave 502.
    expect(back1.lots).toEqual([{ lotId: b.transaction.lots[0].lotId, account: "member_available", points: 502 }]);
    const r2 = ok(await p.call("POST", `/v1/payments/${paid.id}/refunds`, { reason: "Order cancelled" }), 201);
    expect(r2).toMatchObject({ status: "refunded", refundedAmount: 751, refundedPoints: 1_502 });
    expect(r2.refunds[1].points).toBe(1_000);
    expect(r2.balance.available).toBe(2_000);
    const back2 = ok(await p.call("GET", `/v1/ledger/transactions/${r2.refunds[1].transactionId}`));
    expect(back2.lots).toEqual([{ lotId: a.transaction.lots[0].lotId, account: "member_available", points: 1_000 }]);
    expect((await p.call("POST", `/v1/payments/${paid.id}/refunds`, {})).body.error.code).toBe("invalid_state");
    expect(ok(await p.call("GET", `/v1/members/${m}/payments`)).data).toHaveLength(1);
    expect((await balance(p, m)).lifetime.spent).toBe(0);
  });

  it("recommends what the member buys and can nearly afford, with a reason", async () => {
    const p = await t.createProgram({ timezone: "UTC" });
    ok(
      await p.call("POST", "/v1/rules", {
        name: "1 point per dollar",
        trigger: "purchase",
        effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
      }),
      201,
    );
    const m = await p.createMember({});
    for (let i = 0; i < 6; i++) {
      t.clock.advance(DAY);
      ok(
        await p.call("POST", "/v1/events", {
          id: `buy-${i}`,
          type: "purchase",
          memberId: m,
          amount: 2_000,
          currency: "USD",
          items: [
            { sku: "LATTE", category: "Coffee", quantity: 3, unitPrice: 500 },
            { sku: "MUFFIN", category: "Bakery", quantity: 1, unitPrice: 500 },
          ],
        }),
        201,
      );
    }
    const coffee = await reward(p, {
      name: "Free latte",
      type: "free_product",
      value: { sku: "LATTE" },
      costPoints: 150,
      category: "coffee",
    });
    const mug = await reward(p, { name: "Mug", type: "experience", value: {}, costPoints: 100, category: "merch" });
    await reward(p, { name: "Far away", costPoints: 100_000, category: "travel" });
    await reward(p, { name: "Sold out", costPoints: 10, stock: 0 });
    const recs = ok(await p.call("GET", `/v1/members/${m}/recommendations?limit=3`));
    expect(recs.data.map((r: Json) => r.reward.id)).toEqual([coffee.id, mug.id, expect.any(String)]);
    expect(recs.data[0].reason).toMatch(/^You buy coffee often; 30 points to go/);
    expect(recs.data[0].pointsToGo).toBe(30);
    expect(recs.data[1].reason).toBe("You can redeem it now");
    expect(recs.data.map((r: Json) => r.reward.name)).not.toContain("Sold out");

    const detail = ok(await p.call("GET", `/v1/members/${m}`));
    expect(detail.loyalty.nextReward).toMatchObject({ rewardId: coffee.id, pointsToGo: 30 });
    expect(detail.loyalty.available).toBe(120);
    t.clock.set("2026-03-02T15:00:00Z");
  });

  it("keeps a redemption's and a payment's ledger entries out of the generic ledger endpoints", async () => {
    const p = await t.createProgram({ paymentPolicy: { pointValue: 1, minPoints: 1, minSharePercent: 0, maxSharePercent: 100 } });
    const m = await p.createMember({});
    await credit(p, m, 1_000);
    const r = await reward(p, { costPoints: 100 });
    const red = ok(await redeem(p, m, { rewardId: r.id }), 201);
    const reverse = await p.call("POST", `/v1/ledger/transactions/${red.transactionId}/reverse`, { reason: "x" });
    expect(reverse.status).toBe(409);
    expect(reverse.body.error).toMatchObject({ code: "invalid_state", details: { redemptionId: red.id } });
    const reserved = ok(await redeem(p, m, { rewardId: r.id, reserve: true }), 201);
    for (const action of ["capture", "void"]) {
      const res = await p.call("POST", `/v1/holds/${reserved.holdId}/${action}`, {});
      expect(res.status).toBe(409);
      expect(res.body.error.details.redemptionId).toBe(reserved.id);
    }
    const paid = ok(await p.call("POST", `/v1/members/${m}/payments`, { orderId: "o", amount: 100, currency: "USD" }), 201);
    const payReverse = await p.call("POST", `/v1/ledger/transactions/${paid.transactionId}/reverse`, { reason: "x" });
    expect(payReverse.body.error.details.paymentId).toBe(paid.id);
    expect((await balance(p, m)).available).toBe(700);
  });

  it("releases a lapsed reservation's stock to the next member at once, and never oversells after a stock change", async () => {
    const p = await t.createProgram();
    const a = await p.createMember({});
    const b = await p.createMember({});
    await credit(p, a, 100);
    await credit(p, b, 100);
    const r = await reward(p, { costPoints: 10, stock: 1 });
    ok(await redeem(p, a, { rewardId: r.id, reserve: true, holdSeconds: 60 }), 201);
    t.clock.advance(61_000);
    expect(ok(await p.call("GET", `/v1/members/${b}/rewards`)).data[0].redeemable).toBe(true);
    ok(await redeem(p, b, { rewardId: r.id }), 201);
    expect(ok(await p.call("GET", `/v1/rewards/${r.id}`)).stock).toEqual({ total: 1, remaining: 0 });
    expect(ok(await p.call("POST", "/v1/jobs/run", {})).reservationsExpired).toBe(0);
    expect(ok(await p.call("GET", `/v1/rewards/${r.id}`)).stock).toEqual({ total: 1, remaining: 0 });
    expect((await balance(p, a)).available).toBe(100);

    const unlimited = await reward(p, { costPoints: 10 });
    ok(await redeem(p, a, { rewardId: unlimited.id, reserve: true, holdSeconds: 60 }), 201);
    t.clock.advance(61_000);
    expect(ok(await p.call("PATCH", `/v1/rewards/${unlimited.id}`, { stock: 5 })).stock).toEqual({ total: 5, remaining: 4 });
    ok(await p.call("POST", "/v1/jobs/run", {}));
    expect(ok(await p.call("GET", `/v1/rewards/${unlimited.id}`)).stock).toEqual({ total: 5, remaining: 5 });
    t.clock.set("2026-03-02T15:00:00Z");
  });

  it("keeps codes per programme, limits payments per order, replays a retried voucher use typed in lower case", async () => {
    const a = await t.createProgram();
    const b = await t.createProgram({ paymentPolicy: { pointValue: 1, minPoints: 1, minSharePercent: 0, maxSharePercent: 50 } });
    const ma = await a.createMember({});
    await credit(a, ma, 100);
    const ra = await reward(a, { costPoints: 10 });
    const code = ok(await redeem(a, ma, { rewardId: ra.id }), 201).vouchers[0].code;
    const pool = await reward(b, { costPoints: 10, codeFormat: { type: "pool" } });
    expect(ok(await b.call("POST", `/v1/rewards/${pool.id}/codes`, { codes: [code] })).imported).toBe(1);
    const poolA = await reward(a, { costPoints: 10, codeFormat: { type: "pool" } });
    expect(ok(await a.call("POST", `/v1/rewards/${poolA.id}/codes`, { codes: [code] }))).toMatchObject({
      imported: 0,
      skipped: [code],
    });
    const mb = await b.createMember({});
    await credit(b, mb, 1_000);
    expect(ok(await redeem(b, mb, { rewardId: pool.id }), 201).vouchers[0].code).toBe(code);

    ok(
      await b.call("POST", `/v1/members/${mb}/payments`, { orderId: "o1", amount: 500, currency: "USD", orderTotal: 1_000 }),
      201,
    );
    const second = await b.call("POST", `/v1/members/${mb}/payments`, {
      orderId: "o1",
      amount: 500,
      currency: "USD",
      orderTotal: 1_000,
    });
    expect(second.status).toBe(422);
    expect((await balance(b, mb)).available).toBe(490);

    const first = ok(await a.call("POST", `/v1/vouchers/${code}/redeem`, { storeId: "store-7" }, { idempotencyKey: "till-1" }));
    expect(first.usedStoreId).toBe("store-7");
    const retry = await a.call(
      "POST",
      `/v1/vouchers/${code.toLowerCase()}/redeem`,
      { storeId: "store-7" },
      { idempotencyKey: "till-1" },
    );
    expect(retry.status).toBe(200);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
  });

  it("points the member to the next reward they can actually get", async () => {
    const p = await t.createProgram();
    const m = await p.createMember({});
    await credit(p, m, 10);
    await reward(p, { name: "sold out", costPoints: 20, stock: 0 });
    await reward(p, { name: "staff only", costPoints: 30, segments: ["staff"] });
    const real = await reward(p, { name: "real", costPoints: 40 });
    const detail = ok(await p.call("GET", `/v1/members/${m}`));
    expect(detail.loyalty.nextReward).toEqual({ rewardId: real.id, name: "real", costPoints: 40, pointsToGo: 30 });
  });

  it("opens a tier-gated reward when the member reaches the tier, and recommends among their tier's favourites", async () => {
    const p = await t.createProgram({ timezone: "UTC" });
    ok(
      await p.call("PUT", "/v1/tiers", {
        policy: { metric: "spend", window: { type: "lifetime" }, periodMonths: 12, graceDays: 0 },
        tiers: [
          { name: "Bronze", threshold: 0 },
          { name: "Gold", threshold: 10_000 },
        ],
      }),
    );
    const gold = ok(await p.call("GET", "/v1/tiers")).tiers[1];
    const lounge = await reward(p, { name: "Lounge", type: "experience", value: {}, costPoints: 10, minTierId: gold.id });
    const m = await p.createMember({});
    await credit(p, m, 100);
    const before = ok(await p.call("GET", `/v1/members/${m}/rewards`)).data[0];
    expect(before.reasons.map((r: Json) => r.code)).toEqual(["tier_required"]);
    expect(before.reasons[0].message).toContain("Gold");
    expect((await redeem(p, m, { rewardId: lounge.id })).body.error.code).toBe("reward_unavailable");
    ok(await p.call("POST", "/v1/events", { id: "big", type: "purchase", memberId: m, amount: 12_000, currency: "USD" }), 201);
    const detail = ok(await p.call("GET", `/v1/members/${m}`));
    expect(detail.loyalty.tier).toMatchObject({ id: gold.id, name: "Gold" });
    ok(await redeem(p, m, { rewardId: lounge.id }), 201);
    const other = await p.createMember({});
    await credit(p, other, 5);
    ok(
      await p.call("POST", "/v1/events", { id: "big-2", type: "purchase", memberId: other, amount: 12_000, currency: "USD" }),
      201,
    );
    const recs = ok(await p.call("GET", `/v1/members/${other}/recommendations`)).data;
    expect(recs[0].reward.id).toBe(lounge.id);
    expect(recs[0].reason).toBe("Popular with Gold members; 5 points to go");
  });

  it("verify catches stock, vouchers and refunds that do not match the ledger", async () => {
    const p = await t.createProgram();
    const m = await p.createMember({});
    await credit(p, m, 100);
    const r = await reward(p, { costPoints: 10, stock: 5 });
    const red = ok(await redeem(p, m, { rewardId: r.id }), 201);
    const broken = async (name: string, corrupt: ReturnType<typeof sql>) => {
      const report = await verifyCorrupted(t.app, corrupt);
      expect(report.checks.find((c) => c.name === name)?.violations, name).toBeGreaterThan(0);
    };
    await broken("reward_stock_accounted", sql`update rewards set stock_remaining = 5 where id = ${r.id}`);
    await broken("vouchers_match_redemptions", sql`update vouchers set status = 'cancelled' where redemption_id = ${red.id}`);
    await broken("redemption_matches_ledger", sql`update redemptions set points = 11 where id = ${red.id}`);
    expect((await t.app.services.verify()).ok).toBe(true);
  });
});
