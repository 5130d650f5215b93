import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, startTestApp, type TestApp } from "../helpers/test-app.ts";

/*
 * PGlite runs no autovacuum daemon, so nothing gathers the planner's statistics on the embedded
 * database unless the jobs do: without them the planner takes the ledger's tables for near-empty
 * and the reports nest loops over them (the deferred revenue report took 25-30 s on the demo's
 * year). The jobs gather them on their first run in a process and then daily; on PostgreSQL
 * autovacuum does it and the jobs leave it alone.
 */
describe.each(engines())("planner statistics gathered by the jobs on %s", (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, "2026-03-02T15:00:00Z", { ownDatabase: true });
  });
  afterAll(async () => t.close());

  const analysed = async () => {
    const rows = await sql<{ tablename: string }>`
      select distinct tablename from pg_stats
       where schemaname = 'public' and tablename in ('events', 'members')
       order by tablename`.execute(t.app.services.database.db);
    return rows.rows.map((r) => r.tablename);
  };

  it("gathers them on the embedded database, once a day", async () => {
    const p = await t.createProgram();
    await p.call("POST", "/v1/rules", {
      name: "1 point per dollar",
      trigger: "purchase",
      effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
    });
    for (let i = 0; i < 3; i++) {
      const memberId = await p.createMember({ externalId: `card-${i}` });
      const res = await p.call("POST", "/v1/events", { id: `sale-${i}`, type: "purchase", memberId, amount: 1000 + i });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const jobs = t.app.services.jobs;
    const now = new Date("2026-03-02T15:00:00Z");
    if (engine !== "pglite") {
      expect(await jobs.refreshStatistics(now)).toBe(false);
      return;
    }
    expect(await analysed()).toEqual([]);
    expect(await jobs.refreshStatistics(now)).toBe(true);
    expect(await analysed()).toEqual(["events", "members"]);
    // Not again within the day; again a day later.
    expect(await jobs.refreshStatistics(new Date("2026-03-03T14:59:00Z"))).toBe(false);
    expect(await jobs.refreshStatistics(new Date("2026-03-03T15:00:00Z"))).toBe(true);
  });
});
