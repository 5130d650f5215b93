import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, type Json, startTestApp, TEST_ROOT_KEY, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/*
 * Who did what at the till: changes made from a staff session are recorded under the staff member
 * (not as an API key) and read back by name (member history, audit log, version lists); and the
 * staff report counts enrolments, sales and redemptions per cashier and per store, exactly, on
 * both engines.
 */

const PASSWORD = "correct horse battery staple";

describe.each(engines())("actors and the staff report on %s", (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    // 10:00 in New York on Monday 2 March 2026.
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

  /** A staff member signed in (at a store, for a till): calls made with the session cookie and CSRF token. */
  async function staffSession(p: TestProgram, name: string, role: string, storeId?: string) {
    const email = `${name.split(" ")[0]?.toLowerCase()}@example.com`;
    const created = ok(
      await t.request("POST", `/v1/programs/${p.id}/staff`, {
        key: TEST_ROOT_KEY,
        body: { email, name, role, password: PASSWORD },
      }),
      201,
    );
    const res = await t.request("POST", "/auth/sign-in", {
      body: { programId: p.id, email, password: PASSWORD, ...(storeId && { storeId }) },
    });
    ok(res);
    const cookie = res.headers.get("set-cookie")?.match(/sb_session=([^;]+)/)?.[1];
    const csrf = res.body.csrfToken as string;
    const call = (method: string, path: string, body?: unknown) =>
      t.request(method, path, { cookie: `sb_session=${cookie}`, csrf, ...(body !== undefined && { body }) });
    return { id: created.id as string, session: res.body, call };
  }

  it("records a till sale under the cashier and shows their name in member history, the audit log and version lists", async () => {
    const p = await t.createProgram();
    const meg = await staffSession(p, "Meg Manager", "manager");
    const rule = ok(
      await meg.call("POST", "/v1/rules", {
        name: "1 point per dollar",
        trigger: "purchase",
        effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
      }),
      201,
    );
    const ann = await staffSession(p, "Ann Till", "cashier", "main-st");
    expect(ann.session.storeId).toBe("main-st");
    const member = ok(await ann.call("POST", "/v1/members", { email: "ada@example.com" }), 201);
    ok(await ann.call("POST", "/v1/events", { id: "till-1", type: "purchase", memberId: member.id, amount: 2500 }), 201);

    const ledger = ok(await p.call("GET", `/v1/members/${member.id}/ledger`));
    expect(ledger.data).toHaveLength(1);
    expect(ledger.data[0]).toMatchObject({ type: "earn", points: 25, actor: `staff:${ann.id}`, actorName: "Ann Till" });
    const txn = ok(await p.call("GET", `/v1/ledger/transactions/${ledger.data[0].id}`));
    expect(txn.actorName).toBe("Ann Till");
    // The event took the till's store, and names its cashier, in the member's events too.
    expect(ok(await p.call("GET", "/v1/events/till-1"))).toMatchObject({
      storeId: "main-st",
      actor: `staff:${ann.id}`,
      actorName: "Ann Till",
    });
    const events = ok(await p.call("GET", `/v1/members/${member.id}/events`));
    expect(events.data.map((e: Json) => [e.id, e.actorName])).toEqual([
      ["till-1", "Ann Till"],
      [expect.stringMatching(/^signup:/), "System (sign-up bonus)"],
    ]);

    const audit = ok(await p.call("GET", `/v1/audit?actor=staff:${ann.id}`));
    expect(audit.data.map((a: Json) => [a.action, a.actorName])).toEqual([["POST /v1/members", "Ann Till"]]);

    const versions = ok(await p.call("GET", `/v1/rules/${rule.id}/versions`));
    expect(versions.data[0]).toMatchObject({ actor: `staff:${meg.id}`, actorName: "Meg Manager" });
    const campaign = ok(await meg.call("POST", "/v1/campaigns", { name: "Spring" }), 201);
    ok(await p.call("PATCH", `/v1/campaigns/${campaign.id}`, { name: "Spring 2026" }));
    const campaignVersions = ok(await p.call("GET", `/v1/campaigns/${campaign.id}/versions`));
    expect(campaignVersions.data.map((v: Json) => v.actorName)).toEqual(["Default admin key", "Meg Manager"]);
  });

  it("counts enrolments, sales net of returns and redemptions per cashier and per store, in programme days", async () => {
    const p = await t.createProgram();
    ok(
      await p.call("POST", "/v1/rules", { name: "Flat", trigger: "purchase", effect: { type: "fixed_points", points: 100 } }),
      201,
    );
    const reward = ok(
      await p.call("POST", "/v1/rewards", { name: "Coffee", type: "free_product", value: { sku: "COF" }, costPoints: 50 }),
      201,
    );
    const ann = await staffSession(p, "Ann Till", "cashier", "main-st");
    const bob = await staffSession(p, "Bob Register", "cashier", "mall");
    const sale = (who: { call: typeof ann.call }, body: Record<string, unknown>) =>
      who.call("POST", "/v1/events", { type: "purchase", ...body }).then((r) => ok(r, 201));

    // Ann at main-st: enrols one member, two sales (one rung up for a pop-up store).
    const m1 = ok(await ann.call("POST", "/v1/members", { email: "m1@example.com" }), 201).id;
    await sale(ann, { id: "a-1", memberId: m1, amount: 2500 });
    await sale(ann, { id: "a-2", memberId: m1, amount: 1000, storeId: "pop-up" });
    // Bob at the mall: enrols one, three sales; one is returned in part, one in full (by an integration).
    const m2 = ok(await bob.call("POST", "/v1/members", { email: "m2@example.com" }), 201).id;
    await sale(bob, { id: "b-1", memberId: m2, amount: 4000 });
    await sale(bob, { id: "b-2", memberId: m2, amount: 3000 });
    await sale(bob, { id: "b-3", memberId: m2, amount: 500 });
    ok(await p.call("POST", "/v1/events", { id: "r-1", type: "return", originalEventId: "b-2", amount: 1000 }), 201);
    ok(await p.call("POST", "/v1/events", { id: "r-2", type: "return", originalEventId: "b-3", amount: 500 }), 201);
    // The admin key: one member and one sale, no store.
    const m3 = await p.createMember({ email: "m3@example.com" });
    ok(await p.call("POST", "/v1/events", { id: "k-1", type: "purchase", memberId: m3, amount: 700 }), 201);
    // Outside the range: 23:30 on 1 March in New York (04:30 UTC on the 2nd), and a day after it.
    await sale(ann, { id: "a-early", memberId: m1, amount: 9900, occurredAt: "2026-03-02T04:30:00Z" });
    // Redemptions: Bob completes one and Ann uses its voucher; Ann's own is cancelled (not counted).
    const red = ok(await bob.call("POST", `/v1/members/${m2}/redemptions`, { rewardId: reward.id }), 201);
    ok(await ann.call("POST", `/v1/vouchers/${red.vouchers[0].code}/redeem`, {}));
    const undone = ok(await ann.call("POST", `/v1/members/${m1}/redemptions`, { rewardId: reward.id }), 201);
    ok(await p.call("POST", `/v1/redemptions/${undone.id}/cancel`, {}));
    expect((await ann.call("GET", "/v1/reports/staff")).status).toBe(403);
    // The next day (the sessions have ended): a sale at 00:00 in New York, by the key.
    t.clock.set(new Date("2026-03-03T15:00:00Z"));
    ok(
      await p.call("POST", "/v1/events", {
        id: "k-late",
        type: "purchase",
        memberId: m1,
        amount: 9900,
        occurredAt: "2026-03-03T05:00:00Z",
      }),
      201,
    );

    const report = ok(await p.call("GET", "/v1/reports/staff?from=2026-03-02&to=2026-03-02"));
    expect(report).toMatchObject({ from: "2026-03-02", to: "2026-03-02", timezone: "America/New_York", currency: "USD" });
    const keyId = ok(await p.call("GET", "/v1/api-keys")).data[0].id;
    expect(report.staff).toEqual([
      // Bob: 4000 + (3000 - 1000); the purchase returned in full is not a sale.
      {
        actor: `staff:${bob.id}`,
        name: "Bob Register",
        enrolments: 1,
        sales: 2,
        salesAmount: 6000,
        redemptions: 1,
        vouchersUsed: 0,
      },
      { actor: `staff:${ann.id}`, name: "Ann Till", enrolments: 1, sales: 2, salesAmount: 3500, redemptions: 0, vouchersUsed: 1 },
      {
        actor: `key:${keyId}`,
        name: "Default admin key",
        enrolments: 1,
        sales: 1,
        salesAmount: 700,
        redemptions: 0,
        vouchersUsed: 0,
      },
    ]);
    expect(report.stores).toEqual([
      { storeId: "mall", enrolments: 1, sales: 2, salesAmount: 6000, redemptions: 1, vouchersUsed: 0 },
      { storeId: "main-st", enrolments: 1, sales: 1, salesAmount: 2500, redemptions: 0, vouchersUsed: 1 },
      { storeId: "pop-up", enrolments: 0, sales: 1, salesAmount: 1000, redemptions: 0, vouchersUsed: 0 },
      { storeId: null, enrolments: 1, sales: 1, salesAmount: 700, redemptions: 0, vouchersUsed: 0 },
    ]);
    expect(report.totals).toEqual({ enrolments: 3, sales: 5, salesAmount: 10200, redemptions: 1, vouchersUsed: 1 });

    // The next day holds only the late sale; a cashier cannot read the report (above), a read key can.
    const next = ok(await p.call("GET", "/v1/reports/staff?from=2026-03-03&to=2026-03-03"));
    expect(next.totals).toEqual({ enrolments: 0, sales: 1, salesAmount: 9900, redemptions: 0, vouchersUsed: 0 });
    const readKey = ok(await p.call("POST", "/v1/api-keys", { name: "BI", scope: "read" }), 201).secret;
    expect(
      ok(await p.call("GET", "/v1/reports/staff?from=2026-03-02&to=2026-03-02", undefined, { key: readKey })).totals.sales,
    ).toBe(5);
    // The same tables as CSV files: money in dollars, formulas defused, the file named by report, table and range.
    const csv = await p.call("GET", "/v1/reports/staff?from=2026-03-02&to=2026-03-02&format=csv&table=stores");
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toBe('attachment; filename="staff-stores-2026-03-02-2026-03-02.csv"');
    expect(csv.body).toBe(
      [
        "store_id,enrolments,sales,sales_amount,redemptions,vouchers_used",
        "mall,1,2,60.00,1,0",
        "main-st,1,1,25.00,0,1",
        "pop-up,0,1,10.00,0,0",
        "(no store),1,1,7.00,0,0",
        "",
      ].join("\r\n"),
    );
    const people = await p.call("GET", "/v1/reports/staff?from=2026-03-02&to=2026-03-02&format=csv");
    expect((people.body as string).split("\r\n").slice(0, 2)).toEqual([
      "actor,name,enrolments,sales,sales_amount,redemptions,vouchers_used",
      `staff:${bob.id},Bob Register,1,2,60.00,1,0`,
    ]);
    const unknownTable = await p.call("GET", "/v1/reports/staff?format=csv&table=cashiers");
    expect(unknownTable.status).toBe(400);
    const bad = await p.call("GET", "/v1/reports/staff?from=2026-03-05&to=2026-03-02");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_error");
  });
});
