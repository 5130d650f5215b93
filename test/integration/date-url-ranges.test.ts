import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, type HttpResult, type Json, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/*
 * Dates, days and URLs outside the documented ranges (issue 12): a year before 1900, more than
 * millisecond precision, a URL with a line break, a birthday after today. Each is a 400
 * validation_error naming the field, and the refused request writes nothing.
 */

const NOW = "2026-03-02T15:00:00Z";
const OLD_TIME = "1899-12-31T23:59:59Z";
const NANOS = "2026-03-01T10:00:00.123456789Z";
const CRLF_URL = "https://example.com/a.png\r\nSet-Cookie: x=1";

const COUNTED = ["members", "ledger_transactions", "lots", "events", "campaigns", "rules", "rewards", "audit_log"] as const;

describe.each(engines())("dates, days and URLs outside their ranges on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  let member: string;
  let campaign: string;
  let reward: Json;
  beforeAll(async () => {
    // Its own database: whole-table counts (nothing written on a refusal) must not see other files' writes.
    t = await startTestApp(engine, NOW, { ownDatabase: true });
    p = await t.createProgram();
    member = await p.createMember();
    const c = await p.call("POST", "/v1/campaigns", { name: "Spring", status: "draft" });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    campaign = c.body.id;
    const r = await p.call("POST", "/v1/rewards", {
      name: "Coffee",
      type: "discount_amount",
      value: { amount: 500 },
      costPoints: 100,
      imageUrl: "https://example.com/coffee.png",
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    reward = r.body;
  });
  afterAll(async () => {
    await t.close();
  });

  const counts = async () => {
    const db = t.app.services.database.db;
    const out: Record<string, number> = {};
    for (const table of COUNTED) {
      const rows = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db);
      out[table] = rows.rows[0]?.n ?? -1;
    }
    return out;
  };

  /** A 400 validation_error whose message names the field, and no row written anywhere. */
  const refused = async (field: string, send: () => Promise<HttpResult>) => {
    const before = await counts();
    const res = await send();
    expect(res.status, `${field}: ${JSON.stringify(res.body)}`).toBe(400);
    expect(res.body.error.code).toBe("validation_error");
    expect(res.body.error.message).toContain(field);
    expect(await counts()).toEqual(before);
    return res.body.error.message as string;
  };

  it("refuses a date-time before 1900 in every body and query that takes one", async () => {
    const adjust = (body: Record<string, unknown>) =>
      p.call("POST", `/v1/members/${member}/adjustments`, { points: 10, reason: "seed", ...body });
    expect(await refused("availableAt", () => adjust({ availableAt: OLD_TIME }))).toContain("years 1900 to 9999");
    await refused("expiresAt", () => adjust({ expiresAt: OLD_TIME }));
    await refused("endsAt", () => p.call("POST", "/v1/campaigns", { name: "Old", endsAt: "1899-12-31" }));
    await refused("endsAt", () => p.call("POST", "/v1/campaigns", { name: "Old", endsAt: OLD_TIME }));
    await refused("startsAt", () => p.call("PATCH", `/v1/campaigns/${campaign}`, { startsAt: OLD_TIME }));
    await refused("from", () =>
      p.call("POST", `/v1/campaigns/${campaign}/backtest`, { from: OLD_TIME, to: "2026-03-01T00:00:00Z" }),
    );
    const newReward = (body: Record<string, unknown>) =>
      p.call("POST", "/v1/rewards", { name: "Old", type: "discount_amount", value: { amount: 1 }, costPoints: 1, ...body });
    await refused("availableFrom", () => newReward({ availableFrom: OLD_TIME }));
    await refused("availableUntil", () => newReward({ availableUntil: "1899-01-01" }));
    await refused("occurredAt", () =>
      p.call("POST", "/v1/events", { id: "evt-old", type: "purchase", memberId: member, amount: 1000, occurredAt: OLD_TIME }),
    );
    await refused("from", () => p.call("GET", "/v1/audit?from=1899-12-31T00:00:00Z"));
    await refused("from", () => p.call("GET", "/v1/reports/overview?from=1899-12-01&to=2026-01-01"));
  });

  it("refuses an asOf with more than millisecond precision", async () => {
    const asOf = encodeURIComponent(NANOS);
    expect(await refused("asOf", () => p.call("GET", `/v1/members/${member}/balance?asOf=${asOf}`))).toContain(
      "at most 3 decimal places of seconds",
    );
    await refused("asOf", () => p.call("GET", `/v1/members/${member}/tier?asOf=${asOf}`));
    await refused("asOf", () =>
      p.call("POST", `/v1/events?dryRun=true&asOf=${asOf}`, { id: "evt-dry", type: "purchase", memberId: member, amount: 1 }),
    );
    await refused("asOf", () => p.call("POST", "/v1/jobs/run", { asOf: NANOS }));
    const millis = encodeURIComponent("2026-03-01T10:00:00.123Z");
    expect((await p.call("GET", `/v1/members/${member}/balance?asOf=${millis}`)).status).toBe(200);
  });

  it("refuses a reward imageUrl with a line break, or not http(s) or a data: image", async () => {
    const create = (imageUrl: string) =>
      p.call("POST", "/v1/rewards", { name: "Bad", type: "discount_amount", value: { amount: 1 }, costPoints: 1, imageUrl });
    expect(await refused("imageUrl", () => create(CRLF_URL))).toContain("line breaks");
    await refused("imageUrl", () => create("javascript:alert(1)"));
    await refused("imageUrl", () => create("data:text/html,<b>hi</b>"));
    await refused("imageUrl", () => p.call("PATCH", `/v1/rewards/${reward.id}`, { imageUrl: CRLF_URL }));
    expect((await p.call("GET", `/v1/rewards/${reward.id}`)).body.imageUrl).toBe("https://example.com/coffee.png");
    const png = "data:image/png;base64,iVBORw0KGgo=";
    const ok = await p.call("PATCH", `/v1/rewards/${reward.id}`, { imageUrl: png });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.imageUrl).toBe(png);
  });

  it("refuses a birthday after today (programme time) or before 1900, from the API and the portal", async () => {
    // 15:00 UTC on 2 March is 10:00 in New York, the test programme's time zone: 3 March is tomorrow.
    expect(await refused("Birthday", () => p.call("POST", "/v1/members", { birthDate: "2026-03-03" }))).toContain(
      "in the future",
    );
    await refused("birthDate", () => p.call("POST", "/v1/members", { birthDate: "1899-12-31" }));
    await refused("Birthday", () => p.call("PATCH", `/v1/members/${member}`, { birthDate: "2030-01-01" }));
    await refused("Birthday", () =>
      t.request("POST", `/v1/portal/${p.id}/members`, {
        body: { email: "future@example.com", marketingConsent: false, birthDate: "2026-03-03" },
      }),
    );
    const today = await p.call("PATCH", `/v1/members/${member}`, { birthDate: "2026-03-02" });
    expect(today.status, JSON.stringify(today.body)).toBe(200);
    expect((await p.call("PATCH", `/v1/members/${member}`, { birthDate: "1900-01-01" })).status).toBe(200);
  });
});
