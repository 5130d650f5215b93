import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServices, type Services } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import type { Database } from "../../src/db/database.ts";
import { engines, openTestDatabase, startTestApp, type TestApp } from "../helpers/test-app.ts";

const DAY = 86_400_000;

describe.each(engines())("due work on %s", (engine) => {
  let t: TestApp;
  let secondDb: Database;
  let second: Services;

  beforeAll(async () => {
    t = await startTestApp(engine, "2026-02-01T09:00:00Z");
    // A second, independent set of services, as another server process would have: on
    // PostgreSQL its own connection pool; PGlite allows one process, so it shares the database.
    secondDb = engine === "postgres" ? await openTestDatabase("postgres", 4) : t.app.services.database;
    const config = loadConfig({}, { logLevel: "silent" });
    second = buildServices({ config, database: secondDb, clock: t.clock, log: pino({ level: "silent" }) });
  });
  afterAll(async () => {
    if (secondDb !== t.app.services.database) await secondDb.close();
    await t.close();
  });

  it("activates, expires and times out each thing exactly once when two runners race", async () => {
    const p = await t.createProgram({ pendingDays: 3, pointsExpiry: { policy: "fixed_period", months: 1 } });
    const members = [];
    for (let i = 0; i < 12; i++) members.push(await p.createMember());
    for (const m of members) {
      await p.call("POST", `/v1/members/${m}/adjustments`, { points: 100, reason: "pending credit" });
      await p.call("POST", `/v1/members/${m}/adjustments`, {
        points: 40,
        reason: "available now",
        availableAt: t.clock.now().toISOString(),
      });
      expect((await p.call("POST", `/v1/members/${m}/holds`, { points: 15, ttlSeconds: 3600 })).status).toBe(201);
    }
    t.clock.advance(45 * DAY);
    const asOf = t.clock.now();
    const [a, b] = await Promise.all([t.app.services.jobs.run(asOf, p.id), second.jobs.run(asOf, p.id)]);
    const total = (key: "activations" | "expiries" | "holdTimeouts") => a[key] + b[key];
    expect(total("holdTimeouts")).toBe(12);
    expect(total("activations")).toBe(12);
    // 12 members x 2 lots, all past their one-month expiry
    expect(total("expiries")).toBe(24);
    const again = await Promise.all([t.app.services.jobs.run(asOf, p.id), second.jobs.run(asOf, p.id)]);
    expect(again.map((r) => r.members)).toEqual([0, 0]);
    for (const m of members) {
      const balance = (await p.call("GET", `/v1/members/${m}/balance`)).body;
      expect(balance).toMatchObject({ available: 0, pending: 0, held: 0, lifetime: { adjusted: 140, expired: 140 } });
    }
    expect((await t.app.services.verify()).ok).toBe(true);
  });

  it("lets one process at a time hold the scheduler lease", async () => {
    const now = t.clock.now();
    const until = new Date(now.getTime() + 120_000);
    const claims = await Promise.all([t.app.services.jobs.claimLease(now, until), second.jobs.claimLease(now, until)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    const holder = claims[0] ? t.app.services.jobs : second.jobs;
    const waiting = claims[0] ? second.jobs : t.app.services.jobs;
    expect(await waiting.claimLease(new Date(now.getTime() + 60_000), until)).toBe(false);
    expect(await holder.claimLease(new Date(now.getTime() + 60_000), until)).toBe(true);
    // the holder stopped renewing (died): once the lease runs out the other process takes over
    const later = new Date(until.getTime() + 1);
    expect(await waiting.claimLease(later, new Date(later.getTime() + 120_000))).toBe(true);
    expect(await holder.claimLease(later, new Date(later.getTime() + 120_000))).toBe(false);
  });
});
