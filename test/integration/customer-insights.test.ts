import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bgnbdProbabilityAlive,
  type CustomerSummary,
  type CustomerTransactions,
  summarise,
} from "../../src/insights/customer-value.rules.ts";
import { memberFigures, roundMinor } from "../../src/insights/customer-value-fit.rules.ts";
import { fitAndValue } from "../../src/insights/customers.rules.ts";
import { engines, type HttpResult, type Json, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * Loyal vs non-loyal (issue 14): customerRef on events, members vs non-members side by side, members at risk and
 * non-members worth inviting. Programmes in UTC, so a programme day is a UTC day.
 */

function ok(res: HttpResult, status = 200) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

function refused(res: HttpResult, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error).toMatchObject({ code, requestId: expect.any(String) });
  return res.body.error;
}

/** mulberry32: a small seeded generator, so generated customers are the same on every run. */
function seeded(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Gamma and Beta draws on a seeded stream (Marsaglia and Tsang's gamma sampler, Box-Muller normals). */
function draws(seed: number) {
  const u = seeded(seed);
  const uniform = () => Math.max(u(), 1e-12);
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * u());
  const gamma = (shape: number): number => {
    if (shape < 1) return gamma(shape + 1) * uniform() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = normal();
      const v = (1 + c * x) ** 3;
      if (v > 0 && Math.log(uniform()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  };
  return {
    uniform,
    gamma,
    beta: (a: number, b: number) => {
      const x = gamma(a);
      return x / (x + gamma(b));
    },
  };
}

const DAY_MS = 86_400_000;
const JAN_1 = Date.UTC(2026, 0, 1, 10);
/** Day offset from 1 January 2026, at 10:00Z. */
const at = (offset: number) => new Date(JAN_1 + offset * DAY_MS).toISOString();
const dayOf = (offset: number) => at(offset).slice(0, 10);

type Purchase = { offset: number; amount: number };

/**
 * n customers drawn from the models' own story, so the fits are well posed: the first purchase on a day in
 * 0..59, then purchases at rate lambda ~ Gamma(0.8, 20 days) up to day `last`, each followed by a drop-out with
 * probability ~ Beta(1.2, 5); each spend ~ Gamma(6, nu), nu ~ Gamma(4, v).
 */
function story(seed: number, n: number, last: number, v: number): Purchase[][] {
  const g = draws(seed);
  const out: Purchase[][] = [];
  for (let i = 0; i < n; i++) {
    const lambda = g.gamma(0.8) / 20;
    const drop = g.beta(1.2, 5);
    const nu = g.gamma(4) / v;
    const spend = () => Math.max(1, Math.round(g.gamma(6) / nu));
    let t = Math.floor(g.uniform() * 60);
    const purchases = [{ offset: t, amount: spend() }];
    for (;;) {
      t += -Math.log(g.uniform()) / lambda;
      if (t > last) break;
      purchases.push({ offset: Math.floor(t), amount: spend() });
      if (g.uniform() < drop) break;
    }
    out.push(purchases);
  }
  return out;
}

/** Purchases every `step` days from day `first` to day `last`, of about `amount` (Gamma(6) noise from `g`). */
function steady(g: ReturnType<typeof draws>, first: number, last: number, step: number, amount: number): Purchase[] {
  const out: Purchase[] = [];
  for (let d = first; d <= last; d += step) out.push({ offset: d, amount: Math.round((amount * g.gamma(6)) / 6) });
  return out;
}

describe.each(engines())("members vs non-members, built by hand, on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  const ids: Record<string, string> = {};
  let seq = 0;
  const send = async (events: Json[]) => ok(await p.call("POST", "/v1/events/batch", { events })).results as Json[];
  const buy = (
    amount: number,
    occurredAt: string,
    who: { memberId?: string; customerRef?: string; receiptId?: string } = {},
  ) => ({
    id: `order-${++seq}`,
    type: "purchase",
    amount,
    occurredAt,
    ...who,
  });
  const day = (d: string, hour = 10) => `${d}T${String(hour).padStart(2, "0")}:00:00Z`;

  /**
   * Now is 1 July 2026 12:00Z; the window is 1 April .. 30 June (30 + 31 + 30 = 91 days), the previous window
   * the 91 days before it: 31 December 2025 .. 31 March.
   *
   * Members:
   * - M1: 10 Mar 2000 (previous window); 5 Apr 3000 and 1000 (one day); 10 May 4000 of which 1000 returned.
   *   Window: 3 purchases, 3000 + 1000 + 3000 = 7000, on 2 days (a repeat customer); bought before: retained.
   * - M2: 20 Apr 5000 returned in full (no purchase); 1 Jun 2500. Window: 1 purchase, 2500, 1 day.
   * - M3: 1 Feb 1500 only: bought in the previous window, not in this one.
   * - J: a guest with the reference tok-J on 20 Mar (1200, receipt R-J) and 10 Apr (1800), joins on 15 Apr 12:00Z
   *   and claims R-J; then buys as a member on 25 Apr (2000) and 25 May (2200).
   *   As a member: 20 Mar (claimed, previous window), 25 Apr, 25 May: window 2 purchases, 4200, 2 days; retained.
   *   10 Apr stays a guest purchase under tok-J, which J's claimed purchase now carries: joinedSince.
   * Members side: customers M1, M2, J = 3; purchases 3 + 1 + 2 = 6; revenue 7000 + 2500 + 4200 = 13700;
   *   frequency 6 / 3 = 2; spend per transaction 13700 / 6 = 2283.33 -> 2283; per customer 13700 / 3 = 4566.67 ->
   *   4567; repeat M1, J: 2 / 3 = 0.6667; previous M1, M3, J = 3, retained M1, J: 2 / 3 = 0.6667.
   * Non-members (guest purchases by reference):
   * - tok-A: 1 Mar 1000 (previous); 2 Apr 1000 and 500 (one day); 10 Jun 2000: 3 purchases, 3500, 2 days; retained.
   * - tok-B: 5 May 3000. tok-C: 15 Jan 800 only (previous). tok-D: 3 Apr 3000.
   * Non-members side: customers A, B, D = 3; purchases 3 + 1 + 1 = 5; revenue 3500 + 3000 + 3000 = 9500;
   *   frequency 5 / 3 = 1.6667; spend per transaction 9500 / 5 = 1900; per customer 3166.67 -> 3167;
   *   repeat A: 1 / 3 = 0.3333; previous A, C = 2, retained A: 1 / 2 = 0.5.
   * Anonymous guest purchases: 3 Mar 999 (previous window, not counted), 12 Apr 700, 1 May 300: 2, 1000.
   * Before vs after joining (J only): before, in the window, 10 Apr 1800 (the claimed 20 Mar is before the window):
   *   1 purchase over 1 Apr 00:00 .. 15 Apr 12:00 = 14.5 days: 1 x 30 / 14.5 = 2.0690 per 30 days, 1800 each;
   *   after: 25 Apr 2000, 25 May 2200 over 15 Apr 12:00 .. 1 Jul 00:00 = 15.5 + 31 + 30 = 76.5 days:
   *   2 x 30 / 76.5 = 0.7843 per 30 days, 4200 / 2 = 2100 each.
   */
  beforeAll(async () => {
    t = await startTestApp(engine, "2026-04-15T12:00:00Z");
    p = await t.createProgram({ timezone: "UTC", unknownMemberPolicy: "guest", guestClaimDays: 3650 });
    const jGuest = await send([
      buy(1200, day("2026-03-20"), { customerRef: "tok-J", receiptId: "R-J" }),
      buy(1800, day("2026-04-10"), { customerRef: "tok-J" }),
    ]);
    expect(jGuest.map((r) => r.result.status)).toEqual(["guest", "guest"]);
    ids.J = await p.createMember({ name: "J" });
    const claim = ok(await p.call("POST", `/v1/members/${ids.J}/claims`, { receiptId: "R-J" }), 201);
    expect(claim).toMatchObject({ status: "claimed", memberId: ids.J });

    t.clock.set("2026-07-01T12:00:00Z");
    for (const name of ["M1", "M2", "M3"]) ids[name] = await p.createMember({ name });
    const { M1, M2, M3, J } = ids as Record<string, string>;
    const sent = await send([
      buy(2000, day("2026-03-10"), { memberId: M1 }),
      buy(3000, day("2026-04-05"), { memberId: M1 }),
      buy(1000, day("2026-04-05", 18), { memberId: M1 }),
      buy(4000, day("2026-05-10"), { memberId: M1 }),
      buy(5000, day("2026-04-20"), { memberId: M2 }),
      buy(2500, day("2026-06-01"), { memberId: M2 }),
      buy(1500, day("2026-02-01"), { memberId: M3 }),
      buy(2000, day("2026-04-25"), { memberId: J }),
      buy(2200, day("2026-05-25"), { memberId: J }),
      buy(1000, day("2026-03-01"), { customerRef: "tok-A" }),
      buy(1000, day("2026-04-02"), { customerRef: "tok-A" }),
      buy(500, day("2026-04-02", 20), { customerRef: "tok-A" }),
      buy(2000, day("2026-06-10"), { customerRef: "tok-A" }),
      buy(3000, day("2026-05-05"), { customerRef: "tok-B" }),
      buy(800, day("2026-01-15"), { customerRef: "tok-C" }),
      buy(3000, day("2026-04-03"), { customerRef: "tok-D" }),
      buy(999, day("2026-03-03")),
      buy(700, day("2026-04-12")),
      buy(300, day("2026-05-01")),
    ]);
    expect(sent.every((r) => r.status === 201)).toBe(true);
    const returns = await send([
      { id: "return-m1", type: "return", originalEventId: sent[3].eventId, amount: 1000 },
      { id: "return-m2", type: "return", originalEventId: sent[4].eventId, amount: 5000 },
    ]);
    expect(returns.map((r) => r.status)).toEqual([201, 201]);
  });

  afterAll(async () => {
    await t.close();
  });

  it("stores customerRef on the event, and a claimed guest purchase keeps it", async () => {
    const claimed = ok(await p.call("GET", "/v1/events/order-1"));
    expect(claimed).toMatchObject({ status: "claimed", memberId: ids.J, customerRef: "tok-J", receiptId: "R-J" });
    expect(ok(await p.call("GET", "/v1/events/order-2"))).toMatchObject({
      status: "guest",
      memberId: null,
      customerRef: "tok-J",
    });
    expect(ok(await p.call("GET", "/v1/events/order-3"))).toMatchObject({ memberId: ids.M1, customerRef: null });
  });

  it("compares members and non-members side by side, with the figures worked by hand", async () => {
    const report = ok(await p.call("GET", "/v1/insights/customers/comparison?from=2026-04-01&to=2026-06-30"));
    expect(report).toMatchObject({
      from: "2026-04-01",
      to: "2026-06-30",
      previousFrom: "2025-12-31",
      timezone: "UTC",
      currency: "USD",
    });
    expect(report.members).toEqual({
      customers: 3,
      purchases: 6,
      revenue: 13700,
      purchasesPerCustomer: 2,
      spendPerTransaction: 2283,
      revenuePerCustomer: 4567,
      repeatCustomers: 2,
      repeatRate: 0.6667,
      previousCustomers: 3,
      retainedCustomers: 2,
      retention: 0.6667,
      predictedClv: {
        status: "no_model",
        meanClv: null,
        valuedCustomers: 0,
        asOf: null,
        reason: "no_model",
        message: expect.stringContaining("POST /v1/insights/customer-value/fit"),
      },
    });
    expect(report.nonMembers).toEqual({
      customers: 3,
      purchases: 5,
      revenue: 9500,
      purchasesPerCustomer: 1.6667,
      spendPerTransaction: 1900,
      revenuePerCustomer: 3167,
      repeatCustomers: 1,
      repeatRate: 0.3333,
      previousCustomers: 2,
      retainedCustomers: 1,
      retention: 0.5,
      // tok-A, tok-B, tok-C and tok-D: four references (tok-J is a member's), fewer than the 30 a fit needs.
      predictedClv: {
        status: "refused",
        meanClv: null,
        valuedCustomers: 0,
        asOf: "2026-06-30",
        reason: "too_few_customers",
        message: "BG/NBD needs at least 30 customers; there are 4",
      },
    });
    expect(report.anonymous).toEqual({ purchases: 2, revenue: 1000 });
    expect(report.joinedSince).toEqual({ purchases: 1, revenue: 1800 });
    expect(report.beforeAfterJoining).toEqual({
      members: 1,
      before: { purchases: 1, revenue: 1800, exposureDays: 14.5, purchasesPer30Days: 2.069, spendPerTransaction: 1800 },
      after: { purchases: 2, revenue: 4200, exposureDays: 76.5, purchasesPer30Days: 0.7843, spendPerTransaction: 2100 },
    });
  });

  it("answers the comparison as CSV tables, money in dollars", async () => {
    const res = await p.call("GET", "/v1/insights/customers/comparison?from=2026-04-01&to=2026-06-30&format=csv");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="comparison-sides-2026-04-01-2026-06-30.csv"');
    const lines = String(res.body).trim().split("\r\n");
    expect(lines).toEqual([
      "side,customers,purchases,revenue,purchases_per_customer,spend_per_transaction,revenue_per_customer,repeat_customers,repeat_rate,previous_customers,retained_customers,retention,predicted_clv,predicted_clv_status,predicted_clv_reason",
      "members,3,6,137.00,2,22.83,45.67,2,0.6667,3,2,0.6667,,no_model,no_model",
      "non_members,3,5,95.00,1.6667,19.00,31.67,1,0.3333,2,1,0.5,,refused,too_few_customers",
    ]);
    const joining = await p.call(
      "GET",
      "/v1/insights/customers/comparison?from=2026-04-01&to=2026-06-30&format=csv&table=joining",
    );
    expect(String(joining.body).trim().split("\r\n")).toEqual([
      "part,members,purchases,revenue,exposure_days,purchases_per_30_days,spend_per_transaction",
      "before,1,1,18.00,14.5,2.069,18.00",
      "after,1,2,42.00,76.5,0.7843,21.00",
    ]);
  });

  it("answers at-risk 409 and convertible 422 with the reason when there is no model to answer by", async () => {
    refused(await p.call("GET", "/v1/insights/customers/at-risk"), 409, "invalid_state");
    const few = refused(await p.call("GET", "/v1/insights/customers/convertible"), 422, "unprocessable");
    expect(few.details).toEqual({ reason: "too_few_customers", customers: 4 });
  });

  it("refuses a bad customerRef with 400 in the one error shape, alone and in a batch", async () => {
    const good = "x".repeat(128);
    ok(await p.call("POST", "/v1/events", buy(100, day("2026-06-30"), { customerRef: good })), 201);
    for (const bad of ["x".repeat(129), "", "has space", "someone@example.com", "tok\u00e9", "a;b"]) {
      const error = refused(
        await p.call("POST", "/v1/events", buy(100, day("2026-06-30"), { customerRef: bad })),
        400,
        "validation_error",
      );
      expect(error.details.issues[0].path).toBe("customerRef");
      // The value is never echoed back (nor logged).
      if (bad.length > 0) expect(JSON.stringify(error)).not.toContain(bad);
    }
    const batch = ok(
      await p.call("POST", "/v1/events/batch", {
        events: [buy(100, day("2026-06-30"), { customerRef: "ok-ref" }), buy(100, day("2026-06-30"), { customerRef: "no way" })],
      }),
    );
    expect(batch.results.map((r: Json) => r.status)).toEqual([201, 400]);
    expect(batch.results[1].error).toMatchObject({ code: "validation_error", requestId: expect.any(String) });
  });

  it("refuses bad parameters with 400, and answers an empty programme without a 500", async () => {
    const comparison = (query: string) => p.call("GET", `/v1/insights/customers/comparison${query}`);
    refused(await comparison("?from=2026-06-30&to=2026-06-01"), 400, "validation_error");
    const future = refused(await comparison("?to=2026-07-02"), 400, "validation_error");
    expect(future.message).toBe("to must not be after today (2026-07-01 in UTC)");
    refused(await comparison("?from=2023-01-01&to=2026-06-30"), 400, "validation_error");
    refused(await comparison("?from=2026-02-30"), 400, "validation_error");
    refused(await comparison("?window=30"), 400, "validation_error");
    refused(await comparison("?format=xml"), 400, "validation_error");
    for (const query of ["?limit=0", "?limit=501", "?limit=abc", "?minClv=-1", "?minClv=1.5", "?lookbackDays=0", "?x=1"]) {
      refused(await p.call("GET", `/v1/insights/customers/at-risk${query}`), 400, "validation_error");
    }
    refused(await p.call("GET", "/v1/insights/customers/convertible?limit=0"), 400, "validation_error");
    refused(await p.call("GET", "/v1/insights/customers/convertible?minClv=1"), 400, "validation_error");

    const empty = await t.createProgram({ timezone: "UTC" });
    const nothing = ok(await empty.call("GET", "/v1/insights/customers/comparison"));
    expect(nothing).toMatchObject({ from: "2025-07-02", to: "2026-07-01" });
    for (const side of [nothing.members, nothing.nonMembers]) {
      expect(side).toMatchObject({
        customers: 0,
        purchases: 0,
        revenue: 0,
        purchasesPerCustomer: null,
        spendPerTransaction: null,
        repeatRate: null,
        retention: null,
      });
    }
    expect(nothing.nonMembers.predictedClv).toMatchObject({ status: "refused", reason: "too_few_customers" });
    expect(nothing.beforeAfterJoining).toEqual({
      members: 0,
      before: { purchases: 0, revenue: 0, exposureDays: 0, purchasesPer30Days: null, spendPerTransaction: null },
      after: { purchases: 0, revenue: 0, exposureDays: 0, purchasesPer30Days: null, spendPerTransaction: null },
    });
    ok(await empty.call("GET", "/v1/insights/customers/comparison?format=csv&table=guests"));
    refused(await empty.call("GET", "/v1/insights/customers/at-risk"), 409, "invalid_state");
    const none = refused(await empty.call("GET", "/v1/insights/customers/convertible"), 422, "unprocessable");
    expect(none.details).toEqual({ reason: "too_few_customers", customers: 0 });
    // Read keys may read; another programme's key sees only its own programme.
    expect(ok(await empty.call("GET", "/v1/insights/customers/comparison?from=2026-04-01&to=2026-06-30")).members.customers).toBe(
      0,
    );
  });
});

describe.each(engines())("members at risk and non-members worth inviting on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  const ids: Record<string, string> = {};
  /** What each member and each reference bought, as the models count it: the test's own record. */
  const members: CustomerTransactions[] = [];
  const refs: CustomerTransactions[] = [];
  let seq = 0;
  const send = async (events: Json[]) => ok(await p.call("POST", "/v1/events/batch", { events })).results as Json[];
  const TODAY = "2026-07-01";
  /** today - 90 days (the default look-back): 2 April. */
  const THEN = "2026-04-02";

  /**
   * Now is 1 July 2026 12:00Z (day 181). Members, besides 40 drawn from a seeded story (1500..5500 a purchase):
   * - R1: 9000 every 4 days from day 10 to 78 (11 Jan .. 20 Mar), then nothing: frequent and valuable on 2 April,
   *   silent for 103 days now. At risk.
   * - R2: 7000 every 5 days from day 20 to 80 (21 Jan .. 22 Mar). At risk.
   * - G: 9000 every 4 days from day 0 to 28, then nothing: already gone on 2 April (P(alive) then low): not falling.
   * - L: 300 every 4 days from day 10 to 78: lapsing like R1 but worth little: under minClv.
   * - H: 9000 every 6 days from day 5 to 179: still buying.
   * - O: one purchase of 50000 on day 30: one purchase day, P(alive) 1 by the BG/NBD.
   * - K: joins today and claims a guest purchase made under tok-linked (days 50 and 60, the second claimed).
   * Non-members by reference, besides 40 drawn from another story (1000..4000): tok-star (8000 every 3 days from
   * day 100 to 178), tok-gone (8000 every 3 days from day 0 to 30); and anonymous guest purchases.
   */
  beforeAll(async () => {
    t = await startTestApp(engine, "2026-07-01T12:00:00Z");
    p = await t.createProgram({ timezone: "UTC", unknownMemberPolicy: "guest", guestClaimDays: 3650 });
    const g = draws(99);
    const every = (first: number, last: number, step: number, amount: number) => steady(g, first, last, step, amount);
    const named: Record<string, { offset: number; amount: number }[]> = {
      R1: every(10, 78, 4, 9000),
      R2: every(20, 80, 5, 7000),
      G: every(0, 28, 4, 9000),
      L: every(10, 78, 4, 1000),
      H: every(5, 179, 6, 9000),
      O: [{ offset: 30, amount: 50000 }],
    };
    const events: Json[] = [];
    const record = (list: CustomerTransactions[], customerId: string, purchases: { offset: number; amount: number }[]) =>
      list.push({ customerId, transactions: purchases.map((x) => ({ day: dayOf(x.offset), amount: x.amount })) });
    for (const [name, purchases] of Object.entries(named)) {
      ids[name] = await p.createMember({ name });
      record(members, ids[name] as string, purchases);
      for (const x of purchases)
        events.push({ id: `o-${++seq}`, type: "purchase", memberId: ids[name], amount: x.amount, occurredAt: at(x.offset) });
    }
    for (const [i, purchases] of story(2, 100, 181, 1500).entries()) {
      const id = await p.createMember({ externalId: `gen-${i}` });
      record(members, id, purchases);
      for (const x of purchases)
        events.push({ id: `o-${++seq}`, type: "purchase", memberId: id, amount: x.amount, occurredAt: at(x.offset) });
    }
    const namedRefs: Record<string, { offset: number; amount: number }[]> = {
      "tok-star": every(100, 178, 3, 8000),
      "tok-gone": every(0, 30, 3, 8000),
    };
    for (const [i, purchases] of story(4, 100, 181, 1000).entries()) namedRefs[`ref-${String(i).padStart(2, "0")}`] = purchases;
    for (const [ref, purchases] of Object.entries(namedRefs)) {
      record(refs, ref, purchases);
      for (const x of purchases)
        events.push({ id: `o-${++seq}`, type: "purchase", customerRef: ref, amount: x.amount, occurredAt: at(x.offset) });
    }
    events.push(
      { id: "linked-1", type: "purchase", customerRef: "tok-linked", amount: 6000, occurredAt: at(50) },
      { id: "linked-2", type: "purchase", customerRef: "tok-linked", amount: 6000, occurredAt: at(60) },
      { id: "anon-1", type: "purchase", amount: 5000, occurredAt: at(70) },
    );
    for (let i = 0; i < events.length; i += 500) {
      const results = await send(events.slice(i, i + 500));
      expect(results.every((r) => r.status === 201)).toBe(true);
    }
    ids.K = await p.createMember({ name: "K" });
    ok(await p.call("POST", `/v1/members/${ids.K}/claims`, { receiptId: "linked-2" }), 201);
    members.push({ customerId: ids.K as string, transactions: [{ day: dayOf(60), amount: 6000 }] });

    const fit = ok(await p.call("POST", "/v1/insights/customer-value/fit", {}), 202);
    await t.app.services.customerValue.tick(t.clock.now(), { programId: p.id });
    expect(ok(await p.call("GET", `/v1/insights/customer-value/fits/${fit.id}`))).toMatchObject({ status: "succeeded" });
  });

  afterAll(async () => {
    await t.close();
  });

  /** The at-risk list the rules give on the test's own record, with the fitted parameters the API answers. */
  async function expectedAtRisk(minClv: number) {
    const { parameters } = ok(await p.call("GET", "/v1/insights/customer-value"));
    const byId = (s: CustomerSummary[]) => new Map(s.map((x) => [x.customerId, x]));
    const now = byId(summarise(members, { calibrationEnd: TODAY }));
    const then = byId(summarise(members, { calibrationEnd: THEN }));
    const out: { memberId: string; alive: [number, number]; clvThen: number }[] = [];
    for (const [memberId, n] of now) {
      const th = then.get(memberId);
      if (!th) continue;
      const aliveNow = bgnbdProbabilityAlive(parameters, n);
      const aliveThen = bgnbdProbabilityAlive(parameters, th);
      const clvThen = memberFigures(parameters, { ...th, T: th.T }, { months: 12, monthlyDiscountRate: 0.01 }).clv;
      if (aliveNow < 0.5 && aliveThen - aliveNow >= 0.2 && clvThen >= minClv)
        out.push({ memberId, alive: [aliveThen, aliveNow], clvThen });
    }
    return out.sort((x, y) => y.clvThen - x.clvThen || (x.memberId < y.memberId ? -1 : 1));
  }

  it("lists exactly the valuable members built to be at risk, with the figures that put them there", async () => {
    // With minClv 1000.00: of the members whose P(alive) fell (under 0.5 now, 0.2 below 2 April's), R1 and R2
    // were worth more than that on 2 April; L (worth little), G (already gone on 2 April: nothing left to fall),
    // H (still buying), O (one purchase day: P(alive) 1) and the drawn members (at most a few hundred dollars) are not.
    const expected = await expectedAtRisk(100_000);
    expect(expected.map((e) => e.memberId)).toEqual([ids.R1, ids.R2]);
    const list = ok(await p.call("GET", "/v1/insights/customers/at-risk?minClv=100000"));
    expect(list).toMatchObject({
      currency: "USD",
      today: TODAY,
      thenDay: THEN,
      lookbackDays: 90,
      fitAsOf: TODAY,
      minClv: 100_000,
      minClvSource: "given",
      maxProbabilityAlive: 0.5,
      minDrop: 0.2,
    });
    expect(list.members.map((m: Json) => m.name)).toEqual(["R1", "R2"]);
    const [r1, r2] = list.members;
    // R1: days 10, 14, ..., 78 (18 purchase days: x = 17), first 11 January, last 20 March; 2 April is day 91.
    expect(r1).toMatchObject({
      memberId: ids.R1,
      firstPurchaseDay: "2026-01-11",
      lastPurchaseDay: "2026-03-20",
      daysSinceLastPurchase: 103, // 20 March -> 1 July: 11 + 30 + 31 + 30 + 1
      purchaseDays: 18,
      frequencyThen: 17,
      frequencyNow: 17,
      recencyThen: 68, // 78 - 10
      recencyNow: 68,
      ageThen: 81, // 91 - 10
      ageNow: 171, // 181 - 10
    });
    // R2: days 20, 25, ..., 80 (13 days), 21 January .. 22 March.
    expect(r2).toMatchObject({
      firstPurchaseDay: "2026-01-21",
      lastPurchaseDay: "2026-03-22",
      daysSinceLastPurchase: 101,
      purchaseDays: 13,
      frequencyThen: 12,
      recencyThen: 60,
      ageThen: 71,
      ageNow: 161,
    });
    for (const [i, m] of list.members.entries()) {
      const e = expected[i] as (typeof expected)[number];
      expect(m.probabilityAliveThen).toBeCloseTo(e.alive[0], 10);
      expect(m.probabilityAliveNow).toBeCloseTo(e.alive[1], 10);
      expect(m.drop).toBeCloseTo(e.alive[0] - e.alive[1], 10);
      expect(m.clvThen).toBe(roundMinor(e.clvThen));
      expect(m.probabilityAliveNow).toBeLessThan(0.5);
      // The stored CLV, worked out today, already carries the lapse.
      expect(m.storedClv).toBeLessThan(m.clvThen / 100);
    }
    expect(
      ok(await p.call("GET", "/v1/insights/customers/at-risk?minClv=100000&limit=1")).members.map((m: Json) => m.name),
    ).toEqual(["R1"]);
  });

  it("takes the median stored CLV as the default threshold, and the same list the rules give by it", async () => {
    const all = ok(await p.call("GET", "/v1/members?limit=200")).data as Json[];
    const clvs = all
      .filter((m) => m.value)
      .map((m) => m.value.clv as number)
      .sort((x, y) => x - y);
    expect(clvs).toHaveLength(members.length);
    // percentile_disc(0.5): the first value at or past half way, the ceil(n / 2)-th.
    const median = clvs[Math.ceil(clvs.length / 2) - 1] as number;
    const list = ok(await p.call("GET", "/v1/insights/customers/at-risk"));
    expect(list).toMatchObject({ minClv: median, minClvSource: "median" });
    const expected = await expectedAtRisk(median);
    expect(expected.length).toBeGreaterThan(2);
    expect(list.members.map((m: Json) => m.memberId)).toEqual(expected.slice(0, 50).map((e) => e.memberId));
    expect(list.members.slice(0, 2).map((m: Json) => m.name)).toEqual(["R1", "R2"]);
  });

  it("ranks non-member customers by predicted CLV, as the rules fit their summaries", async () => {
    const summaries = summarise(refs, { calibrationEnd: TODAY });
    expect(summaries).toHaveLength(102);
    const fit = fitAndValue(summaries.map((s) => ({ ...s, age: s.T, repeatSpend: s.monetaryValue * s.frequency })));
    if (fit.status !== "fitted") throw new Error(`the rules refused: ${fit.message}`);
    const ranked = [...fit.valued].sort(
      (x, y) => y.figures.clv - x.figures.clv || (x.summary.customerId < y.summary.customerId ? -1 : 1),
    );
    const answer = ok(await p.call("GET", "/v1/insights/customers/convertible?limit=10"));
    expect(answer).toMatchObject({
      asOf: TODAY,
      currency: "USD",
      horizonMonths: 12,
      discountRate: 0.01,
      model: { customers: 102, repeatCustomers: summaries.filter((s) => s.frequency > 0).length },
    });
    for (const [k, v] of Object.entries(fit.parameters)) expect(answer.model.parameters[k]).toBeCloseTo(v, 6);
    expect(answer.customers.map((c: Json) => c.customerRef)).toEqual(ranked.slice(0, 10).map((r) => r.summary.customerId));
    expect(answer.customers.map((c: Json) => c.clv)).toEqual(ranked.slice(0, 10).map((r) => roundMinor(r.figures.clv)));
    // tok-star: every 3 days from day 100 (11 April) to day 178 (28 June): 27 purchase days, the best prospect.
    expect(answer.customers[0]).toMatchObject({
      customerRef: "tok-star",
      purchases: 27,
      firstPurchaseDay: "2026-04-11",
      lastPurchaseDay: "2026-06-28",
      daysSinceLastPurchase: 3,
      frequency: 26,
      recency: 78,
      age: 81,
    });
    const everyone = ok(await p.call("GET", "/v1/insights/customers/convertible?limit=500")).customers as Json[];
    expect(everyone).toHaveLength(102);
    // K's reference is a member's now (K claimed linked-2): not a prospect. Guest purchases without one are not either.
    expect(everyone.some((c) => c.customerRef === "tok-linked")).toBe(false);
    const gone = everyone.findIndex((c) => c.customerRef === "tok-gone");
    expect(everyone[gone].probabilityAlive).toBeLessThan(0.5);
    expect(gone).toBeGreaterThan(10);
  });

  it("values both sides of the comparison: members by their stored CLV, non-members by their own fit", async () => {
    const report = ok(await p.call("GET", "/v1/insights/customers/comparison?from=2026-01-01&to=2026-06-30"));
    // Every member bought in the window, K through the purchase it claimed (day 60).
    expect(report.members.customers).toBe(members.length);
    expect(report.members.predictedClv).toMatchObject({ status: "valued", valuedCustomers: members.length, asOf: TODAY });
    const stored = (ok(await p.call("GET", "/v1/members?limit=200")).data as Json[]).filter((m) => m.value);
    const meanOfRounded = stored.reduce((s, m) => s + m.value.clv, 0) / stored.length;
    expect(Math.abs(report.members.predictedClv.meanClv - meanOfRounded)).toBeLessThanOrEqual(1);

    // Non-members: the references' purchases up to 30 June (T to it), every one bought in the window.
    const summaries = summarise(refs, { calibrationEnd: "2026-06-30" });
    const fit = fitAndValue(summaries.map((s) => ({ ...s, age: s.T, repeatSpend: s.monetaryValue * s.frequency })));
    if (fit.status !== "fitted") throw new Error(`the rules refused: ${fit.message}`);
    const mean = fit.valued.reduce((s, v) => s + v.figures.clv, 0) / fit.valued.length;
    expect(report.nonMembers.customers).toBe(summaries.length);
    expect(report.nonMembers.predictedClv).toEqual({
      status: "valued",
      meanClv: roundMinor(mean),
      valuedCustomers: summaries.length,
      asOf: "2026-06-30",
      reason: null,
      message: null,
    });
    // linked-1 (day 50) is a guest purchase under K's reference, never claimed; anon-1 has no reference.
    expect(report.joinedSince).toEqual({ purchases: 1, revenue: 6000 });
    expect(report.anonymous).toEqual({ purchases: 1, revenue: 5000 });
  });
});
