import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, type HttpResult, type Json, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/*
 * Answers a person reads (issue 12, "wrong or unclear answers"): the member search counts every
 * match, not the page; a tier threshold refused on a USD programme speaks dollars; a validation
 * error names the field by its form label in plain words, with the paths and codes still in
 * `details`; an unknown query parameter is refused, naming it, on every route that takes a query.
 */

const refused = (res: HttpResult) => {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error.code).toBe("validation_error");
  return res.body.error as { message: string; details: { issues: { path: string; code: string; label?: string }[] } };
};

describe.each(engines())("answers in people's terms on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;

  beforeAll(async () => {
    t = await startTestApp(engine, "2026-03-02T15:00:00Z");
    p = await t.createProgram();
  });
  afterAll(async () => {
    await t.close();
  });

  it("counts every member a search matches, not the page it returns", async () => {
    const q = await t.createProgram();
    for (let i = 1; i <= 73; i++) await q.createMember({ name: `Shopper ${i}`, email: `shopper${i}@example.com` });
    await q.createMember({ name: "Ada Lovelace" });
    const page = await q.call("GET", "/v1/members?q=shopper&limit=10");
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    expect(page.body.data).toHaveLength(10);
    expect(page.body.total).toEqual({ count: 73, capped: false });
    const next = await q.call("GET", `/v1/members?q=shopper&limit=10&cursor=${page.body.nextCursor}`);
    expect(next.body.total).toEqual({ count: 73, capped: false });
    expect((await q.call("GET", "/v1/members?limit=5")).body.total).toEqual({ count: 74, capped: false });
    expect((await q.call("GET", "/v1/members?q=lovelace")).body.total).toEqual({ count: 1, capped: false });
    expect((await q.call("GET", "/v1/members?q=nobody")).body.total).toEqual({ count: 0, capped: false });
    expect((await q.call("GET", "/v1/members?phone=12")).body.total).toEqual({ count: 0, capped: false });
  });

  it("speaks money when a tier threshold on a USD programme is out of order", async () => {
    const policy = { metric: "spend", window: { type: "lifetime" } };
    const ladder = (...tiers: Json[]) => p.call("PUT", "/v1/tiers", { policy, tiers });
    const below = refused(
      await ladder({ name: "Member", threshold: 0 }, { name: "Silver", threshold: 30_000 }, { name: "Gold", threshold: 15_000 }),
    );
    expect(below.message).toBe("Gold's threshold, $150.00, must be above the previous tier's $300.00 (Silver)");
    expect(below.details.issues.map((i) => i.path)).toEqual(["tiers.2.threshold"]);
    expect(refused(await ladder({ name: "Member", threshold: 500 })).message).toBe(
      "Member is the bottom tier: its threshold must be $0.00, not $5.00",
    );
    expect(
      refused(await ladder({ name: "Member", threshold: 0 }, { name: "Silver", threshold: 30_000, retainThreshold: 40_000 }))
        .message,
    ).toBe("Silver: keeping the tier cannot need more ($400.00) than reaching it ($300.00)");
    const points = await p.call("PUT", "/v1/tiers", {
      policy: { metric: "points_earned", window: { type: "lifetime" } },
      tiers: [
        { name: "Member", threshold: 0 },
        { name: "Silver", threshold: 1_500 },
        { name: "Gold", threshold: 1_500 },
      ],
    });
    expect(refused(points).message).toBe(
      "Gold's threshold, 1,500 points, must be above the previous tier's 1,500 points (Silver)",
    );
    expect((await p.call("GET", "/v1/tiers")).body.tiers).toEqual([]);
  });

  it("speaks money when a payment with points is more than the order or than is left to refund", async () => {
    const p = await t.createProgram({
      paymentPolicy: { pointValue: 1, minPoints: 1, minSharePercent: 0, maxSharePercent: 100 },
    });
    const member = await p.createMember({ email: "payer@example.com" });
    await p.call("POST", `/v1/members/${member}/adjustments`, { points: 10_000, reason: "seed" });
    const over = await p.call("POST", `/v1/members/${member}/payments`, {
      orderId: "o-1",
      amount: 3_000,
      currency: "USD",
      orderTotal: 2_000,
    });
    expect(refused(over).message).toBe("$30.00 is more than the order total, $20.00");
  });

  it("names a missing free-product SKU by its label, with the path and code in details", async () => {
    for (const value of [{}, { productName: "Latte" }, { amount: 500 }]) {
      const error = refused(
        await p.call("POST", "/v1/rewards", { name: "Free latte", type: "free_product", value, costPoints: 100 }),
      );
      expect(error.message).toBe("Enter the product SKU for a free-product reward");
      expect(error.details.issues[0]).toMatchObject({ path: "value.sku", label: "Product SKU" });
    }
    const charity = refused(
      await p.call("POST", "/v1/rewards", { name: "Give", type: "donation", value: { amount: 100 }, costPoints: 100 }),
    );
    expect(charity.message).toBe("Enter the charity's name for a donation reward");
  });

  it("says what a phone, an email and a name need, without the developer's prefix", async () => {
    const phone = refused(await p.call("POST", "/v1/members", { phone: "12" }));
    expect(phone.message).toBe("Enter a phone number with its area code");
    expect(phone.details.issues).toEqual([
      { path: "phone", code: "too_small", label: "Phone", message: "Enter a phone number with its area code" },
    ]);
    expect(refused(await p.call("POST", "/v1/members", { phone: "555 0100" })).message).toBe(
      "Phone “555 0100” is not a possible phone number in US: enter it with its area code",
    );
    expect(refused(await p.call("POST", "/v1/members", { email: "ada@" })).message).toBe(
      "Enter an email address, such as name@example.com",
    );
    expect(refused(await p.call("POST", "/v1/members", { name: " " })).message).toBe("Name must not be empty");
    expect(refused(await p.call("POST", "/v1/members", { nmae: "Ada" })).message).toBe(
      "Unknown field “nmae” (did you mean “name”?)",
    );
    // The portal's own enrolment and profile use the same words.
    const portal = await t.request("POST", `/v1/portal/${p.id}/members`, {
      body: { email: "new@example.com", phone: "12", marketingConsent: false },
    });
    expect(refused(portal).message).toBe("Enter a phone number with its area code");
    expect(refused(await p.call("POST", "/v1/members", { birthDate: "2026-02-30" })).message).toBe(
      "Birthday must be a date, YYYY-MM-DD",
    );
    expect(refused(await p.call("POST", "/v1/members", { birthDate: "2027-01-01" })).message).toBe(
      "Birthday 2027-01-01 is in the future",
    );
    // Caught at the edge before the route's schema (shared/api-years.ts), named by its path.
    expect(refused(await p.call("POST", "/v1/members", { birthDate: "1899-12-31" })).message).toMatch(/^birthDate must be/);
    for (const res of [
      phone,
      refused(await p.call("POST", "/v1/members", { email: "x" })),
      refused(await p.call("GET", "/v1/members?limit=0")),
    ]) {
      expect(res.message).not.toMatch(/^Invalid (body|query)/);
    }
  });

  it("refuses an unknown query parameter on every route that takes a query, naming it", async () => {
    const member = await p.createMember({ email: "query@example.com" });
    const mistyped = await p.call("GET", "/v1/members?emial=query@example.com");
    expect(refused(mistyped).message).toBe("Unknown query parameter “emial” (did you mean “email”?)");
    expect(refused(mistyped).details.issues).toEqual([
      { path: "emial", code: "unrecognized_keys", message: "unknown query parameter (did you mean “email”?)" },
    ]);
    expect(refused(await p.call("GET", "/v1/members?colour=red")).message).toBe("Unknown query parameter “colour”");

    // Every documented GET with query parameters, as an admin key calls it (ids that look real).
    const doc = (await t.request("GET", "/openapi.json")).body;
    const routes = Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
      Object.entries(item as Record<string, Json>)
        .filter(([method, op]) => (op.parameters ?? []).some((x: Json) => x.in === "query") && method === "get")
        .map(([method]) => ({ method, path })),
    );
    // The portal's own routes (/v1/me, /v1/portal) answer a member's session, not a key: the same helper declares them.
    const checked = routes.filter((r) => !r.path.startsWith("/v1/portal/") && !r.path.startsWith("/v1/me/"));
    expect(checked.map((r) => r.path)).toContain("/v1/members");
    expect(checked.length).toBeGreaterThanOrEqual(14);
    for (const { method, path } of checked) {
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => (name === "memberId" ? member : `x_${name}`));
      const res = await p.call(method.toUpperCase(), `${url}?surelyUnknown=1`);
      expect({ path, status: res.status, message: res.body?.error?.message }, JSON.stringify(res.body)).toEqual({
        path,
        status: 400,
        message: "Unknown query parameter “surelyUnknown”",
      });
    }
  });
});
