import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { DEMO_OWNER_EMAIL, DEMO_PROGRAM_NAME, parseCdnow, planDemo } from "../../src/demo/demo.plan.ts";
import { DEMO_DATA_FILE, type DemoResult, seedDemo } from "../../src/demo/demo.seed.ts";
import { verifyLedger } from "../../src/ledger/ledger.verify.ts";
import { DeferredRevenueService } from "../../src/reports/deferred-revenue.service.ts";
import { REDEMPTIONS, RedemptionRollups } from "../../src/reports/redemption-rollups.service.ts";
import { ReportService } from "../../src/reports/reports.service.ts";
import { ACTIVITY, FLOWS, PURCHASES, RollupService } from "../../src/reports/rollups.service.ts";
import type { ServiceDeps } from "../../src/shared/service-deps.ts";
import { StaffService } from "../../src/staff/staff.service.ts";
import { startServer } from "../helpers/server-process.ts";
import { engines, openTestDatabase, startTestApp } from "../helpers/test-app.ts";

const NOW = new Date("2026-06-15T16:00:00Z");
const log = pino({ level: "silent" });

describe("the demo programme on a fresh embedded database", () => {
  let database: Database;
  let demo: DemoResult | null;

  beforeAll(async () => {
    database = await openTestDatabase("pglite");
    const started = performance.now();
    demo = await seedDemo(database, { log, now: NOW });
    console.log(`demo seeded in ${Math.round(performance.now() - started)} ms: ${JSON.stringify(demo?.counts)}`);
  }, 300_000);
  afterAll(() => database?.close());

  it("creates Bean There Coffee with a year of members, purchases, redemptions, expiries and tiers in use", async () => {
    if (!demo) throw new Error("the demo was not seeded");
    const db = database.db;
    const program = await db.selectFrom("programs").selectAll().executeTakeFirstOrThrow();
    expect({ name: program.name, currency: program.currency, timezone: program.timezone }).toEqual({
      name: DEMO_PROGRAM_NAME,
      currency: "USD",
      timezone: "America/New_York",
    });
    const count = async (table: "members" | "redemptions" | "rules" | "campaigns" | "rewards" | "staff") =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count("members")).toBe(demo.counts.members);
    expect(demo.counts.members).toBeGreaterThanOrEqual(250);
    expect(demo.counts.members).toBeLessThanOrEqual(300);
    expect(await count("rules")).toBe(4);
    expect(await count("campaigns")).toBe(1);
    expect(await count("rewards")).toBe(5);
    expect(await count("redemptions")).toBe(demo.counts.redemptions);
    expect(demo.counts.redemptions).toBeGreaterThan(100);
    expect(demo.counts.expiries).toBeGreaterThan(0);
    // A showcase needs no onboarding: its new-programme checklist is put away.
    const marks = await db.selectFrom("program_checklist_marks").select(["item", "marked_by"]).execute();
    expect(marks).toEqual([{ item: "dismissed", marked_by: "demo" }]);

    // Purchases over the whole year before NOW, in every month of it.
    const purchases = await db
      .selectFrom("events")
      .select(["occurred_at"])
      .where("type", "=", "purchase")
      .where("status", "=", "processed")
      .execute();
    expect(purchases.length).toBe(demo.counts.purchases);
    expect(purchases.length).toBeGreaterThan(3_000);
    // Walk-ins who are no members: guest purchases, about one for every three member visits.
    const guests = await db
      .selectFrom("events")
      .select("id")
      .where("type", "=", "purchase")
      .where("status", "=", "guest")
      .execute();
    expect(guests.length).toBe(demo.counts.guestPurchases);
    expect(guests.length / purchases.length).toBeGreaterThan(0.25);
    expect(guests.length / purchases.length).toBeLessThan(0.35);
    const times = purchases.map((p) => new Date(p.occurred_at).getTime());
    expect(Math.max(...times)).toBeLessThanOrEqual(NOW.getTime());
    expect(Math.min(...times)).toBeGreaterThanOrEqual(NOW.getTime() - 366 * 86_400_000);
    expect(new Set(purchases.map((p) => new Date(p.occurred_at).toISOString().slice(0, 7))).size).toBeGreaterThanOrEqual(12);
    // Members joined over the year, not all at once.
    const joined = await db.selectFrom("members").select("created_at").execute();
    expect(new Set(joined.map((m) => new Date(m.created_at).toISOString().slice(0, 7))).size).toBeGreaterThanOrEqual(8);

    // Every tier has members, the bottom one the most.
    const tiers = Object.values(demo.counts.tiers);
    expect(tiers).toHaveLength(4);
    for (const n of tiers) expect(n).toBeGreaterThan(0);
    expect(tiers[0]).toBe(Math.max(...tiers));

    // The staff can sign in with the password printed once.
    expect(demo.staff.map((s) => s.role)).toEqual(["owner", "manager", "cashier"]);
    const staff = new StaffService({ db, clock: { now: () => NOW }, ids: () => "x", uow: null as never });
    const signedIn = await staff.signIn({ programId: demo.programId, email: DEMO_OWNER_EMAIL, password: demo.password });
    expect(signedIn).toBeTruthy();

    // The ledger is exact.
    const report = await verifyLedger(db, NOW);
    expect(report.checks.filter((c) => c.violations > 0)).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it("reads well in the overview: points every month, and issued less redeemed and expired is what members hold", async () => {
    if (!demo) throw new Error("the demo was not seeded");
    const clock = { now: () => NOW };
    const rollups = new RollupService({ db: database.db, clock, definitions: [FLOWS, PURCHASES, ACTIVITY, REDEMPTIONS] });
    const redemptions = new RedemptionRollups({ db: database.db, rollups });
    const reports = new ReportService({ db: database.db, clock, actorNames: async () => new Map(), rollups, redemptions });
    const overview = await reports.overview(demo.programId, { from: "2025-06-01", to: "2026-06-15", interval: "month" });
    expect(overview.members).toBe(demo.counts.members);
    expect(overview.activeMembers).toBeGreaterThan(20);
    expect(overview.series.filter((s) => s.issued > 0).length).toBeGreaterThanOrEqual(12);
    expect(overview.totals.redeemed).toBeGreaterThan(0);
    expect(overview.totals.expired).toBeGreaterThan(0);
    expect(overview.redemptionRate).toBeGreaterThan(0.1);
    expect(overview.topRewards.length).toBe(5);
    const { issued, redeemed, expired } = overview.totals;
    expect(issued - redeemed - expired).toBe(overview.outstandingPoints + overview.heldPoints - overview.debtPoints);
  });

  it("leaves the planner statistics on the year it wrote, so the finance reports answer at once", async () => {
    if (!demo) throw new Error("the demo was not seeded");
    // PGlite runs no autovacuum: without an ANALYZE after the seed the planner believes the
    // ledger's tables hold a row or so, and nests loops over lots for every purchase (the
    // deferred revenue report took 25-30 s on the demo, the console showing "Loading").
    const analysed = await sql<{ tablename: string }>`
      select distinct tablename from pg_stats
       where schemaname = 'public' and tablename in ('events', 'lots', 'postings')
       order by tablename`.execute(database.db);
    expect(analysed.rows.map((r) => r.tablename)).toEqual(["events", "lots", "postings"]);
    const revenue = new DeferredRevenueService({
      db: database.db,
      clock: { now: () => NOW },
    } as unknown as ServiceDeps);
    const started = performance.now();
    const report = await revenue.report(demo.programId, { from: "2025-07-01", to: "2026-06-15", interval: "month" });
    expect(report.periods.length).toBe(12);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("never seeds again once a programme exists", async () => {
    const before = await database.db
      .selectFrom("members")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    expect(await seedDemo(database, { log, now: NOW })).toBeNull();
    const after = await database.db
      .selectFrom("members")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    expect(after.n).toEqual(before.n);
  });

  it("plans the same demo every time for the same day", async () => {
    const text = await readFile(DEMO_DATA_FILE, "utf8");
    expect(planDemo(parseCdnow(text), NOW)).toEqual(planDemo(parseCdnow(text), NOW));
  });
});

describe.each(engines())("the demo on %s", (engine) => {
  it("leaves a database that has any programme alone", async () => {
    const t = await startTestApp(engine);
    try {
      await t.createProgram();
      expect(await seedDemo(t.app.services.database, { log, now: NOW })).toBeNull();
    } finally {
      await t.close();
    }
  });
});

describe("the demo setting", () => {
  it("is on by default; STAMPBOOK_DEMO=0 or false turns it off", () => {
    expect(loadConfig({}).demo).toBe(true);
    expect(loadConfig({ STAMPBOOK_DEMO: "1" }).demo).toBe(true);
    expect(loadConfig({ STAMPBOOK_DEMO: "true" }).demo).toBe(true);
    expect(loadConfig({ STAMPBOOK_DEMO: "0" }).demo).toBe(false);
    expect(loadConfig({ STAMPBOOK_DEMO: "false" }).demo).toBe(false);
    expect(() => loadConfig({ STAMPBOOK_DEMO: "maybe" })).toThrow(/STAMPBOOK_DEMO/);
  });

  it("off: `stampbook serve` on an empty database creates no programme", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "stampbook-demo-off-"));
    try {
      const server = await startServer({ env: { STAMPBOOK_DATA_DIR: dataDir, STAMPBOOK_DEMO: "0" }, readyTimeoutMs: 60_000 });
      await server.stop();
      expect(server.output()).not.toContain("Demo programme");
      // The same start, for the mail and the secret key (one server start serves both): with no
      // SMTP_URL the server says once, at start, that sign-in codes go to the log; with no
      // STAMPBOOK_SECRET_KEY it made its key file, readable by its owner only, and logged it not.
      expect(server.output().match(/SMTP_URL is not set/g)).toHaveLength(1);
      const keyFile = join(dataDir, "secret.key");
      expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
      expect(server.output()).not.toContain((await readFile(keyFile, "utf8")).trim());
      const database = await openDatabase({ engine: "pglite", dataDir });
      try {
        expect(await database.db.selectFrom("programs").select("id").execute()).toEqual([]);
      } finally {
        await database.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
