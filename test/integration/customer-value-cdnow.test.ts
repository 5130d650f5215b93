import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CustomerTransactions, fitBgNbd, fitGammaGamma, summarise } from "../../src/insights/customer-value.rules.ts";
import { engines, type HttpResult, type Json, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * The published BG/NBD and Gamma-Gamma estimates, reproduced through the API on the CDNOW sample
 * (test/fixtures/cdnow/cdnow-sample.csv: 2,357 customers, 6,919 purchase records, 1 January 1997 to 30 June
 * 1998; see test/integration/engagement-cdnow.test.ts and src/insights/customer-value.rules.test.ts for the
 * sources). Every record is posted as a purchase event (batches of 1,000; the customer enrolled by external
 * id), with a point a purchase (in force from 1 January 1997) so the eight $0 records are accepted (and counted as transactions, as the
 * literature counts them). The fit runs through the jobs with asOf = 30 September 1997 (the 39-week
 * calibration period) in a UTC programme: one transaction per day, time in days.
 *
 * Published, with time in weeks (Fader, Hardie & Lee 2005, Marketing Science): r = 0.243, alpha = 4.414 weeks,
 * a = 0.793, b = 2.426, LL = -9582.4. In days alpha is 7 times larger (30.9 days) and each repeat
 * transaction's density picks up a 1/7: LL_days = LL_weeks - ln 7 x sum(x), sum(x) = 2,457 repeat
 * transactions in the calibration period. Gamma-Gamma on the 946 repeat customers (Fader & Hardie 2013):
 * p = 6.25, q = 3.74, gamma = 15.44 dollars = 1,544 cents (v scales with the money unit).
 */

interface Line {
  customer: string;
  day: string;
  cents: number;
}

function lines(): Line[] {
  return readFileSync(new URL("../fixtures/cdnow/cdnow-sample.csv", import.meta.url), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => {
      const [customer, yyyymmdd, dollars] = line.split(",") as [string, string, string];
      return {
        customer,
        day: `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`,
        cents: Math.round(Number(dollars) * 100),
      };
    });
}

function ok(res: HttpResult, status = 200) {
  expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(status);
  return res.body;
}

describe.each(engines())("customer lifetime value on the CDNOW sample on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  const records = lines();
  /** Member id by CDNOW customer number, read back from the member list. */
  const memberOf = new Map<string, string>();

  beforeAll(async () => {
    t = await startTestApp(engine, "1998-07-01T00:00:00Z");
    p = await t.createProgram({ timezone: "UTC", unknownMemberPolicy: "enroll" });
    ok(
      await p.call("POST", "/v1/rules", {
        name: "A point a visit",
        trigger: "purchase",
        effect: { type: "fixed_points", points: 1 },
        inForceFrom: "1997-01-01T00:00:00Z",
      }),
      201,
    );
    const events = records.map((r, i) => ({
      id: `cdnow-${i}`,
      type: "purchase",
      member: { externalId: `cdnow-${r.customer}` },
      amount: r.cents,
      occurredAt: `${r.day}T12:00:00Z`,
    }));
    for (let i = 0; i < events.length; i += 1_000) {
      const answer = ok(await p.call("POST", "/v1/events/batch", { events: events.slice(i, i + 1_000) }));
      expect(answer.summary.failed, JSON.stringify(answer.results.filter((x: Json) => x.status >= 400).slice(0, 3))).toBe(0);
    }
    let cursor: string | null = null;
    do {
      const page: Json = ok(await p.call("GET", `/v1/members?limit=200${cursor ? `&cursor=${cursor}` : ""}`));
      for (const m of page.data) memberOf.set(String(m.externalId).replace("cdnow-", ""), m.id);
      cursor = page.nextCursor;
    } while (cursor);
  }, 600_000);

  afterAll(async () => {
    await t.close();
  });

  it("reproduces Fader, Hardie & Lee's BG/NBD and Gamma-Gamma estimates, and equals the rules' fit on the same data", async () => {
    expect(records).toHaveLength(6_919);
    expect(memberOf.size).toBe(2_357);
    ok(await p.call("POST", "/v1/insights/customer-value/fit", { asOf: "1997-09-30" }), 202);
    expect(await t.app.services.customerValue.tick(t.clock.now(), { programId: p.id })).toEqual({
      queued: 0,
      succeeded: 1,
      failed: 0,
    });
    const model = ok(await p.call("GET", "/v1/insights/customer-value"));
    expect(model).toMatchObject({ asOf: "1997-09-30", timeUnit: "days", customers: 2_357, repeatCustomers: 946 });
    const { r, alpha, a, b, p: gp, q, v } = model.parameters;
    expect(r.toFixed(3)).toBe("0.243");
    expect((alpha / 7).toFixed(3)).toBe("4.414");
    expect(a.toFixed(3)).toBe("0.793");
    expect(b.toFixed(3)).toBe("2.426");
    expect((model.logLikelihood.bgnbd + Math.log(7) * 2_457).toFixed(1)).toBe("-9582.4");
    expect(gp.toFixed(2)).toBe("6.25");
    expect(q.toFixed(2)).toBe("3.74");
    expect((v / 100).toFixed(2)).toBe("15.44");

    // The rules' summary and fits on the same records, keyed by member id: exactly the stored figures.
    const byMember = new Map<string, CustomerTransactions>();
    for (const rec of records) {
      const id = memberOf.get(rec.customer) as string;
      const c = byMember.get(id) ?? { customerId: id, transactions: [] };
      (c.transactions as { day: string; amount: number }[]).push({ day: rec.day, amount: rec.cents });
      byMember.set(id, c);
    }
    const summary = summarise([...byMember.values()], { calibrationEnd: "1997-09-30" });
    expect(summary.reduce((n, c) => n + c.frequency, 0)).toBe(2_457);
    const bgnbd = fitBgNbd(summary);
    const gammaGamma = fitGammaGamma(summary);
    expect(model.parameters).toEqual({ ...bgnbd.params, ...gammaGamma.params });
    expect(model.logLikelihood).toEqual({ bgnbd: bgnbd.logLikelihood, gammaGamma: gammaGamma.logLikelihood });

    // Customer 0001 of Hardie's sheets: x = 2, t_x = 30.43 weeks (213 days), T = 38.86 weeks (272 days).
    const first = ok(await p.call("GET", `/v1/members/${memberOf.get("1")}/value`));
    expect(first).toMatchObject({ basis: "history", frequency: 2, recency: 213, age: 272 });
    const top = ok(await p.call("GET", "/v1/members?sort=-clv&limit=5"));
    expect(top.data).toHaveLength(5);
    expect(top.total.count).toBe(2_357);
  });
});
