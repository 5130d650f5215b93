import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bgnbdExpectedTransactions,
  type CustomerTransactions,
  fitBgNbd,
  fitGammaGamma,
  summarise,
} from "../../src/insights/customer-value.rules.ts";
import { memberFigures, NEW_CUSTOMER } from "../../src/insights/customer-value-fit.rules.ts";
import { engines, type HttpResult, type Json, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * Customer lifetime value through the API, in a programme in New York (UTC-5 in winter, UTC-4 from 8 March).
 * Purchases happen at 15:00Z (10:00 local) unless said otherwise; the fit is asked on 1 April 2026 with
 * asOf = 31 March (the calibration period's last day, inclusive). Day offsets count from 1 January.
 *
 * Named members, every figure by hand:
 * - A: 5 Jan 3000; 20 Jan 1000 at 15:00Z and 1500 at 21 Jan 03:00Z (22:00 on the 20th in New York: the same
 *   programme day, one transaction of 2500); 10 Feb 2000, of which 500 returned (net 1500).
 *   Purchase days 5 Jan, 20 Jan, 10 Feb: x = 2; t_x = 10 Feb - 5 Jan = 26 + 10 = 36 days;
 *   T = 31 Mar - 5 Jan = 26 + 28 + 31 = 85 days; monetary = (2500 + 1500) / 2 = 2000.
 * - B: 10 Jan 4000; 1 Feb 3000 returned in full (no purchase); 1 Mar 5000 while blocked (refused, stored
 *   rejected). x = 0, t_x = 0, T = 31 Mar - 10 Jan = 21 + 28 + 31 = 80, monetary 0.
 * - C: 15 Feb 1000; 15 Mar 2000; 1 Apr 9999 (after asOf: ignored). x = 1, t_x = 13 + 15 = 28,
 *   T = 13 + 31 = 44, monetary = 2000.
 * - D: no purchase (a new customer to the model).
 * Forty more members are drawn from a seeded generator (a BG/NBD-like story: first purchase in the first 60
 * days, Poisson purchase days, a 25% drop-out after each), so 43 customers in all: enough to fit.
 */

const DAY_MS = 86_400_000;
const JAN_1 = Date.UTC(2026, 0, 1, 15);
const AS_OF = "2026-03-31";
const at = (offset: number) => new Date(JAN_1 + offset * DAY_MS).toISOString();
const dayOf = (offset: number) => at(offset).slice(0, 10);

/** mulberry32: a small seeded generator, so the forty members are the same on every run. */
function seeded(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The generated members' purchases: day offsets (0 = 1 Jan, 89 = 31 Mar) and amounts in cents. */
function generated(n: number): { offset: number; amount: number }[][] {
  const rand = seeded(20260331);
  const out: { offset: number; amount: number }[][] = [];
  for (let i = 0; i < n; i++) {
    const rate = 0.02 + rand() * 0.15;
    const base = 1500 + Math.floor(rand() * 4000);
    const purchases: { offset: number; amount: number }[] = [];
    let t = Math.floor(rand() * 60);
    for (;;) {
      purchases.push({ offset: t, amount: Math.round(base * (0.6 + rand() * 0.8)) });
      if (rand() < 0.25) break;
      t += Math.max(1, Math.ceil(-Math.log(1 - rand()) / rate));
      if (t > 89) break;
    }
    out.push(purchases);
  }
  return out;
}

function ok(res: HttpResult, status = 200) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

function refused(res: HttpResult, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error).toMatchObject({ code, requestId: expect.any(String) });
  return res.body.error;
}

describe.each(engines())("customer lifetime value on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  const ids: Record<string, string> = {};
  /** What the test knows each member bought, counted as the fit must count it: the rules' own input. */
  const known: CustomerTransactions[] = [];
  let seq = 0;

  const send = async (events: Json[]) => {
    const res = ok(await p.call("POST", "/v1/events/batch", { events }));
    return res.results as Json[];
  };
  const tick = () => t.app.services.customerValue.tick(t.clock.now(), { programId: p.id });

  beforeAll(async () => {
    t = await startTestApp(engine, "2026-04-01T15:00:00Z");
    p = await t.createProgram({ timezone: "America/New_York" });
    for (const name of ["A", "B", "C", "D"]) ids[name] = await p.createMember({ name });
    const { A, B, C } = ids as Record<"A" | "B" | "C", string>;
    const buy = (memberId: string, amount: number, occurredAt: string) => ({
      id: `order-${++seq}`,
      type: "purchase",
      memberId,
      amount,
      occurredAt,
    });
    const named = await send([
      buy(A, 3000, at(4)),
      buy(A, 1000, at(19)),
      buy(A, 1500, "2026-01-21T03:00:00Z"),
      buy(A, 2000, at(40)),
      buy(B, 4000, at(9)),
      buy(B, 3000, at(31)),
      buy(C, 1000, at(45)),
      buy(C, 2000, at(73)),
    ]);
    expect(named.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201, 201, 201]);
    const returns = await send([
      { id: "return-a", type: "return", originalEventId: named[3].eventId, amount: 500 },
      { id: "return-b", type: "return", originalEventId: named[5].eventId, amount: 3000 },
    ]);
    expect(returns.map((r) => r.status)).toEqual([201, 201]);
    ok(await p.call("PATCH", `/v1/members/${B}`, { status: "blocked" }));
    const blocked = await send([buy(B, 5000, at(59))]);
    expect(blocked[0].status).toBe(409);
    ok(await p.call("PATCH", `/v1/members/${B}`, { status: "active" }));
    expect((await send([buy(C, 9999, "2026-04-01T15:00:00Z")]))[0].status).toBe(201);
    known.push(
      {
        customerId: A,
        transactions: [
          { day: "2026-01-05", amount: 3000 },
          { day: "2026-01-20", amount: 1000 },
          { day: "2026-01-20", amount: 1500 },
          { day: "2026-02-10", amount: 1500 },
        ],
      },
      { customerId: B, transactions: [{ day: "2026-01-10", amount: 4000 }] },
      {
        customerId: C,
        transactions: [
          { day: "2026-02-15", amount: 1000 },
          { day: "2026-03-15", amount: 2000 },
          { day: "2026-04-01", amount: 9999 },
        ],
      },
    );

    const story = generated(40);
    const events: Json[] = [];
    for (const [i, purchases] of story.entries()) {
      const id = await p.createMember({ externalId: `gen-${i}` });
      known.push({ customerId: id, transactions: purchases.map((x) => ({ day: dayOf(x.offset), amount: x.amount })) });
      for (const x of purchases) events.push(buy(id, x.amount, at(x.offset)));
    }
    expect((await send(events)).every((r) => r.status === 201)).toBe(true);
  });

  afterAll(async () => {
    await t.close();
  });

  /** The rules' summary of what the test posted, and the rules' fits on it: what the API must store. */
  const direct = (calibrationStart?: string) => {
    const summary = summarise(known, { calibrationEnd: AS_OF, ...(calibrationStart && { calibrationStart }) });
    return { summary, bgnbd: fitBgNbd(summary), gammaGamma: fitGammaGamma(summary) };
  };

  it("answers 404 before any fit, queues one fit at a time (202), and runs it through the jobs", async () => {
    const none = refused(await p.call("GET", "/v1/insights/customer-value"), 404, "not_found");
    expect(none.details).toEqual({ latestFit: null });
    refused(await p.call("GET", `/v1/members/${ids.A}/value`), 409, "invalid_state");

    const queued = ok(await p.call("POST", "/v1/insights/customer-value/fit", { asOf: AS_OF }), 202);
    expect(queued).toEqual({
      id: expect.stringMatching(/^cvf_/),
      status: "queued",
      model: "bgnbd+gamma-gamma",
      timeUnit: "days",
      asOf: AS_OF,
      calibrationFrom: null,
      customers: null,
      repeatCustomers: null,
      error: null,
      requestedBy: expect.stringMatching(/^key:/),
      requestedAt: "2026-04-01T15:00:00.000Z",
      startedAt: null,
      fittedAt: null,
    });
    // Already queued: the same fit, not a second one.
    const again = ok(await p.call("POST", "/v1/insights/customer-value/fit", {}), 202);
    expect(again.id).toBe(queued.id);
    const waiting = refused(await p.call("GET", "/v1/insights/customer-value"), 404, "not_found");
    expect(waiting.details.latestFit).toMatchObject({ id: queued.id, status: "queued" });

    expect(await tick()).toEqual({ queued: 0, succeeded: 1, failed: 0 });
    const fit = ok(await p.call("GET", `/v1/insights/customer-value/fits/${queued.id}`));
    expect(fit).toMatchObject({ status: "succeeded", customers: 43, fittedAt: "2026-04-01T15:00:00.000Z" });
  });

  it("stores exactly the parameters the rules fit on the same summaries", async () => {
    const { summary, bgnbd, gammaGamma } = direct();
    expect(summary).toHaveLength(43);
    const model = ok(await p.call("GET", "/v1/insights/customer-value"));
    expect(model).toMatchObject({
      model: "bgnbd+gamma-gamma",
      currency: "USD",
      asOf: AS_OF,
      calibrationFrom: null,
      timeUnit: "days",
      customers: 43,
      repeatCustomers: summary.filter((s) => s.frequency > 0).length,
      fittedAt: "2026-04-01T15:00:00.000Z",
      latestFit: { status: "succeeded" },
    });
    expect(model.parameters).toEqual({ ...bgnbd.params, ...gammaGamma.params });
    expect(model.logLikelihood).toEqual({ bgnbd: bgnbd.logLikelihood, gammaGamma: gammaGamma.logLikelihood });
  });

  it("answers a member's value from the summary figures worked by hand", async () => {
    const { bgnbd, gammaGamma } = direct();
    const params = { ...bgnbd.params, ...gammaGamma.params };
    const value = async (name: string, query = "") => ok(await p.call("GET", `/v1/members/${ids[name]}/value${query}`));

    const a = await value("A");
    expect(a).toMatchObject({ basis: "history", asOf: AS_OF, frequency: 2, recency: 36, age: 85, monetary: 2000 });
    const aFigures = memberFigures(
      params,
      { frequency: 2, recency: 36, T: 85, monetaryValue: 2000 },
      {
        months: 12,
        monthlyDiscountRate: 0.01,
      },
    );
    expect(a).toMatchObject({
      expected30: aFigures.expected30,
      expected90: aFigures.expected90,
      expected365: aFigures.expected365,
      probabilityAlive: aFigures.probabilityAlive,
      expectedSpend: Math.round(aFigures.expectedSpend),
      clv: Math.round(aFigures.clv),
      horizonMonths: 12,
      discountRate: 0.01,
    });
    expect(a.probabilityAlive).toBeGreaterThan(0);
    expect(a.probabilityAlive).toBeLessThan(1);
    expect(a.expected30).toBeLessThan(a.expected90);
    expect(a.expected90).toBeLessThan(a.expected365);

    // Over two years undiscounted, more than over one year discounted.
    const longer = await value("A", "?horizonMonths=24&discountRate=0");
    const long = memberFigures(
      params,
      { frequency: 2, recency: 36, T: 85, monetaryValue: 2000 },
      { months: 24, monthlyDiscountRate: 0 },
    );
    expect(longer.clv).toBe(Math.round(long.clv));
    expect(longer.clv).toBeGreaterThan(a.clv);

    expect(await value("B")).toMatchObject({ frequency: 0, recency: 0, age: 80, monetary: 0, probabilityAlive: 1 });
    expect(await value("C")).toMatchObject({ frequency: 1, recency: 28, age: 44, monetary: 2000 });

    const d = await value("D");
    expect(d).toMatchObject({
      basis: "new_customer",
      frequency: null,
      recency: null,
      age: null,
      monetary: null,
      probabilityAlive: 1,
    });
    expect(d.expected30).toBe(bgnbdExpectedTransactions(bgnbd.params, 30));
    const prior = memberFigures(params, NEW_CUSTOMER, { months: 12, monthlyDiscountRate: 0.01 });
    // The population's mean spend per purchase: p v / (q - 1).
    expect(d.expectedSpend).toBe(Math.round((gammaGamma.params.p * gammaGamma.params.v) / (gammaGamma.params.q - 1)));
    expect(d.clv).toBe(Math.round(prior.clv));
  });

  it("shows the stored figures on the member list, sorts and filters by clv and probabilityAlive", async () => {
    const all = ok(await p.call("GET", "/v1/members?limit=200"));
    expect(all.total.count).toBe(44);
    const byId = new Map<string, Json>(all.data.map((m: Json) => [m.id, m]));
    expect(byId.get(ids.D as string).value).toBeNull();
    const a = byId.get(ids.A as string).value;
    const aValue = ok(await p.call("GET", `/v1/members/${ids.A}/value`));
    expect(a).toEqual({
      fitId: expect.stringMatching(/^cvf_/),
      frequency: 2,
      recency: 36,
      age: 85,
      monetary: 2000,
      expected30: aValue.expected30,
      expected90: aValue.expected90,
      expected365: aValue.expected365,
      probabilityAlive: aValue.probabilityAlive,
      expectedSpend: aValue.expectedSpend,
      clv: aValue.clv,
      horizonMonths: 12,
      discountRate: 0.01,
    });

    // Highest CLV first, 10 a page, following the cursor: the 43 members with a value, none twice.
    const pages: Json[] = [];
    let cursor: string | null = null;
    do {
      const page: Json = ok(await p.call("GET", `/v1/members?sort=-clv&limit=10${cursor ? `&cursor=${cursor}` : ""}`));
      expect(page.total.count).toBe(43);
      pages.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toHaveLength(43);
    expect(new Set(pages.map((m) => m.id)).size).toBe(43);
    const clvs = pages.map((m) => m.value.clv);
    expect(clvs).toEqual([...clvs].sort((x, y) => y - x));
    expect(clvs[0]).toBeGreaterThan(clvs[42]);

    const alive = ok(await p.call("GET", "/v1/members?sort=probabilityAlive&limit=200"));
    const probabilities = alive.data.map((m: Json) => m.value.probabilityAlive);
    expect(probabilities).toEqual([...probabilities].sort((x, y) => x - y));
    const likelyLost = ok(await p.call("GET", "/v1/members?maxProbabilityAlive=0.5&limit=200"));
    expect(likelyLost.data.map((m: Json) => m.id).sort()).toEqual(
      alive.data
        .filter((m: Json) => m.value.probabilityAlive <= 0.5)
        .map((m: Json) => m.id)
        .sort(),
    );
    const rich = ok(await p.call("GET", `/v1/members?minClv=${clvs[4]}&limit=200`));
    expect(rich.data.length).toBeGreaterThanOrEqual(5);
    expect(rich.data.every((m: Json) => m.value.clv >= clvs[4])).toBe(true);
  });

  it("fits a cohort: customers first seen before calibrationFrom are left out, as the rules' calibrationStart", async () => {
    const cohort = direct("2026-01-06");
    const queued = ok(
      await p.call("POST", "/v1/insights/customer-value/fit", { asOf: AS_OF, calibrationFrom: "2026-01-06" }),
      202,
    );
    expect(await tick()).toEqual({ queued: 0, succeeded: 1, failed: 0 });
    const model = ok(await p.call("GET", "/v1/insights/customer-value"));
    expect(model).toMatchObject({ fitId: queued.id, calibrationFrom: "2026-01-06", customers: cohort.summary.length });
    expect(cohort.summary.length).toBe(35);
    expect(model.parameters).toEqual({ ...cohort.bgnbd.params, ...cohort.gammaGamma.params });
    // A (first seen 5 January) is out of the cohort of the 35 first seen from 6 January: no stored value, but still answered from its history.
    const listed = ok(await p.call("GET", `/v1/members?externalId=gen-0`));
    expect(listed.data).toHaveLength(1);
    const a = ok(await p.call("GET", `/v1/members?q=A&sort=id&limit=200`)).data.find((m: Json) => m.id === ids.A);
    expect(a.value).toBeNull();
    expect(ok(await p.call("GET", `/v1/members/${ids.A}/value`))).toMatchObject({ basis: "history", frequency: 2 });
  });

  it("refuses bad input with 400 and unknown things with 404, in the one error shape", async () => {
    const askFit = (body: unknown) => p.call("POST", "/v1/insights/customer-value/fit", body);
    refused(await askFit({ asOf: "2026-02-30" }), 400, "validation_error");
    const future = refused(await askFit({ asOf: "2026-04-02" }), 400, "validation_error");
    expect(future.message).toBe("asOf must not be after today (2026-04-01 in America/New_York)");
    const backwards = refused(await askFit({ asOf: "2026-03-01", calibrationFrom: "2026-03-02" }), 400, "validation_error");
    expect(backwards.details).toEqual({ field: "calibrationFrom" });
    refused(await askFit({ asOf: AS_OF, horizon: 3 }), 400, "validation_error");
    const value = (query: string) => p.call("GET", `/v1/members/${ids.A}/value${query}`);
    refused(await value("?horizonMonths=0"), 400, "validation_error");
    refused(await value("?horizonMonths=1.5"), 400, "validation_error");
    refused(await value("?discountRate=abc"), 400, "validation_error");
    refused(await value("?discountRate=-0.1"), 400, "validation_error");
    refused(await value("?months=12"), 400, "validation_error");
    refused(await p.call("GET", "/v1/insights/customer-value?x=1"), 400, "validation_error");
    refused(await p.call("GET", "/v1/members?sort=clvv"), 400, "validation_error");
    refused(await p.call("GET", "/v1/members?sort=-clv&cursor=nonsense"), 400, "validation_error");
    refused(await p.call("GET", "/v1/members?maxProbabilityAlive=2"), 400, "validation_error");
    refused(await p.call("GET", "/v1/members/mem_nobody/value"), 404, "not_found");
    refused(await p.call("GET", "/v1/insights/customer-value/fits/cvf_nothing"), 404, "not_found");
    // Another programme's member is not found here.
    const other = await t.createProgram();
    refused(await other.call("GET", `/v1/members/${ids.A}/value`), 404, "not_found");
  });

  it("refits nightly: once per programme day, by the system", async () => {
    expect(await tick()).toEqual({ queued: 0, succeeded: 0, failed: 0 });
    t.clock.set("2026-04-02T15:00:00Z");
    expect(await tick()).toEqual({ queued: 1, succeeded: 1, failed: 0 });
    const model = ok(await p.call("GET", "/v1/insights/customer-value"));
    expect(model).toMatchObject({ asOf: "2026-04-02", calibrationFrom: null, customers: 43 });
    expect(model.latestFit.requestedBy).toBe("system:nightly");
    expect(await tick()).toEqual({ queued: 0, succeeded: 0, failed: 0 });
  });
});

describe.each(engines())("customer lifetime value with too little data on %s", (engine) => {
  let t: TestApp;
  afterAll(async () => {
    await t.close();
  });

  it("refuses a fit at once (422) with fewer than 30 customers, and fails a queued one whose data shrank", async () => {
    t = await startTestApp(engine, "2026-04-01T15:00:00Z");
    const p = await t.createProgram({ timezone: "UTC" });
    const tick = () => t.app.services.customerValue.tick(t.clock.now(), { programId: p.id });
    const events: Json[] = [];
    const members: string[] = [];
    for (let i = 0; i < 30; i++) {
      const m = await p.createMember({});
      members.push(m);
      events.push({ id: `s-${i}-1`, type: "purchase", memberId: m, amount: 1000, occurredAt: "2026-02-01T12:00:00Z" });
      // Ten of them come back, on another day.
      if (i < 10)
        events.push({ id: `s-${i}-2`, type: "purchase", memberId: m, amount: 1200, occurredAt: "2026-03-01T12:00:00Z" });
    }
    // Twenty-nine customers first: refused at once.
    const first = await p.call("POST", "/v1/events/batch", { events: events.slice(0, -1) });
    expect(first.body.summary.failed).toBe(0);
    const few = refused(await p.call("POST", "/v1/insights/customer-value/fit", {}), 422, "unprocessable");
    expect(few.details).toEqual({ reason: "too_few_customers", customers: 29, minimum: 30 });
    expect(await tick()).toEqual({ queued: 0, succeeded: 0, failed: 0 });

    // The thirtieth: queued; then one returned in full before the jobs run it: the fit fails with the reason.
    ok(await p.call("POST", "/v1/events/batch", { events: events.slice(-1) }));
    const queued = ok(await p.call("POST", "/v1/insights/customer-value/fit", {}), 202);
    ok(await p.call("POST", "/v1/events", { id: "give-back", type: "return", originalEventId: "s-29-1", amount: 1000 }), 201);
    expect(await tick()).toEqual({ queued: 0, succeeded: 0, failed: 1 });
    const failed = ok(await p.call("GET", `/v1/insights/customer-value/fits/${queued.id}`));
    expect(failed).toMatchObject({
      status: "failed",
      error: { reason: "too_few_customers", message: "BG/NBD needs at least 30 customers; there are 29" },
    });
    const none = refused(await p.call("GET", "/v1/insights/customer-value"), 404, "not_found");
    expect(none.details.latestFit).toMatchObject({ id: queued.id, status: "failed" });
    expect(none.message).toContain("failed: BG/NBD needs at least 30 customers; there are 29");
    refused(await p.call("GET", `/v1/members/${members[0]}/value`), 409, "invalid_state");
    // An empty programme: 422, never a 500.
    const empty = await t.createProgram();
    const nothing = refused(await empty.call("POST", "/v1/insights/customer-value/fit", {}), 422, "unprocessable");
    expect(nothing.details).toEqual({ reason: "too_few_customers", customers: 0, minimum: 30 });
    refused(await empty.call("GET", "/v1/insights/customer-value"), 404, "not_found");
    ok(await empty.call("GET", "/v1/members?sort=-clv"));
  });
});
