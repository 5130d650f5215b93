/**
 * A campaign with a small budget hit by many events at once: single events and batches, through
 * three server processes on one PostgreSQL database (and the in-process app on PGlite). The
 * campaign ends exactly at its budget: never a point over, none left while events still wanted it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openDatabase } from "../../src/db/database.ts";
import { type ApiResponse, apiClient, runCli, type ServerProcess, startServers, stopServers } from "../helpers/server-process.ts";
import { startTestApp } from "../helpers/test-app.ts";

const postgresUrl = inject("postgresUrl");
const ROOT_KEY = "budget-root-key-0123456789abcdef";
const TEST_TIMEOUT_MS = 150_000;
const BUDGET = 1_000;
const BONUS = 7;

if (!postgresUrl) console.warn("campaign-budget.test.ts: SKIPPING the PostgreSQL multi-process test (no PostgreSQL)");

type Call = (method: string, path: string, body?: unknown) => Promise<ApiResponse>;

/** A programme with a standing 1 point per dollar rule and a budgeted bonus campaign. */
async function setUp(call: Call) {
  const standing = await call("POST", "/v1/rules", {
    name: "1 point per dollar",
    trigger: "purchase",
    effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
  });
  expect(standing.status).toBe(201);
  const campaign = await call("POST", "/v1/campaigns", { name: "Launch bonus", status: "active", budgetPoints: BUDGET });
  expect(campaign.status).toBe(201);
  const bonus = await call("POST", "/v1/rules", {
    name: "Launch bonus",
    campaignId: campaign.body.id,
    trigger: "purchase",
    effect: { type: "fixed_points", points: BONUS },
  });
  expect(bonus.status).toBe(201);
  return campaign.body.id as string;
}

/** Sends single events and batches all at once; `send(i)` picks the server for request i. */
async function burst(call: (i: number) => Call, members: string[], singles: number, batches: number, perBatch: number) {
  const requests: Promise<ApiResponse>[] = [];
  const purchase = (id: string, i: number) => ({
    id,
    type: "purchase",
    memberId: members[i % members.length],
    amount: 1_000 + (i % 5) * 100,
  });
  for (let i = 0; i < singles; i++) requests.push(call(i)("POST", "/v1/events", purchase(`single-${i}`, i)));
  for (let b = 0; b < batches; b++) {
    const events = Array.from({ length: perBatch }, (_, j) => purchase(`batch-${b}-${j}`, b * perBatch + j));
    requests.push(call(b)("POST", "/v1/events/batch", { events }));
  }
  // The same events again, racing their first copies: each must take effect once.
  for (let i = 0; i < 20; i++) requests.push(call(i + 1)("POST", "/v1/events", purchase(`single-${i}`, i)));
  return Promise.all(requests);
}

function expectAllAccepted(answers: ApiResponse[]) {
  for (const a of answers) {
    expect(a.status, JSON.stringify(a.body)).toBeLessThan(300);
    if (a.body?.summary) expect(a.body.summary.failed, JSON.stringify(a.body)).toBe(0);
  }
}

describe.skipIf(!postgresUrl)("a campaign budget under concurrency, on PostgreSQL across three server processes", () => {
  const servers: ServerProcess[] = [];
  let database: Awaited<ReturnType<typeof openDatabase>> | null = null;

  beforeAll(async () => {
    const url = postgresUrl ?? "";
    const env = { DATABASE_URL: url, STAMPBOOK_ROOT_KEY: ROOT_KEY, DATABASE_POOL_SIZE: "8" };
    await startServers(3, { env, label: "budget-server" }, servers);
    database = await openDatabase({ engine: "postgres", url, poolSize: 2 });
  });

  afterAll(async () => {
    await stopServers(servers);
    await database?.close();
  });

  it("ends exactly at its budget", { timeout: TEST_TIMEOUT_MS }, async () => {
    if (!database || !postgresUrl) throw new Error("setup did not finish");
    const root = apiClient(servers[0]?.url ?? "", ROOT_KEY);
    const created = await root.call("POST", "/v1/programs", { name: "Budget", currency: "USD", timezone: "UTC" });
    expect(created.status).toBe(201);
    const clients = servers.map((s) => apiClient(s.url, created.body.apiKey.secret));
    const on =
      (i: number): Call =>
      (method, path, body) =>
        (clients[i % clients.length] ?? root).call(method, path, body, { timeoutMs: 120_000 });
    const campaignId = await setUp(on(0));
    const members: string[] = [];
    for (let i = 0; i < 40; i++) {
      const m = await on(i)("POST", "/v1/members", { externalId: `budget-${i}` });
      expect(m.status).toBe(201);
      members.push(m.body.id);
    }

    // 300 singles + 6 batches of 50 want 600 x 7 = 4,200 bonus points from a budget of 1,000.
    const answers = await burst(on, members, 300, 6, 50);
    expectAllAccepted(answers);
    for (const server of servers) expect(server.output(), server.label).not.toMatch(/"level":(50|60)/);

    const campaign = await on(1)("GET", `/v1/campaigns/${campaignId}`);
    expect(campaign.body.budget).toEqual({ points: BUDGET, spent: BUDGET, remaining: 0 });
    const { db } = database;
    const awarded = await sql<{ points: number; events: number }>`select sum(points)::bigint as points, count(*)::int as events
      from event_awards where campaign_id = ${campaignId} and outcome = 'awarded'`.execute(db);
    expect(Number(awarded.rows[0]?.points)).toBe(BUDGET);
    // Each event was stored once, the duplicates included.
    const stored = await sql<{ n: number }>`select count(*)::int as n from events
      where program_id = ${created.body.program.id} and type = 'purchase'`.execute(db);
    expect(stored.rows[0]?.n).toBe(600);
    // What members hold is what the rules gave: base points plus exactly the budget.
    const totals = await sql<{ base: number; held: number }>`select
        (select sum(points)::bigint from event_awards a join rules r on r.id = a.rule_id
          where r.program_id = ${created.body.program.id} and r.campaign_id is null) as base,
        (select sum(remaining)::bigint from lots where program_id = ${created.body.program.id}) as held`.execute(db);
    expect(Number(totals.rows[0]?.held)).toBe(Number(totals.rows[0]?.base) + BUDGET);

    // As an operator runs it with no STAMPBOOK_SECRET_KEY: the key-file warning goes to stderr and
    // stdout is the JSON alone (a program reads it).
    const dataDir = mkdtempSync(join(tmpdir(), "stampbook-verify-"));
    try {
      const cli = await runCli(["verify", "--json"], { env: { DATABASE_URL: postgresUrl, STAMPBOOK_DATA_DIR: dataDir } });
      expect(cli.code, cli.stderr || cli.stdout).toBe(0);
      expect(cli.stderr).toContain("STAMPBOOK_SECRET_KEY is not set");
      expect((JSON.parse(cli.stdout) as { ok: boolean }).ok).toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("a campaign budget under concurrency, on PGlite in process", () => {
  it("ends exactly at its budget", { timeout: TEST_TIMEOUT_MS }, async () => {
    const t = await startTestApp("pglite");
    try {
      const p = await t.createProgram();
      const call: Call = (method, path, body) => p.call(method, path, body);
      const campaignId = await setUp(call);
      const members: string[] = [];
      for (let i = 0; i < 10; i++) members.push(await p.createMember({ externalId: `m-${i}` }));
      expectAllAccepted(await burst(() => call, members, 120, 2, 50));
      const campaign = await call("GET", `/v1/campaigns/${campaignId}`);
      expect(campaign.body.budget).toEqual({ points: BUDGET, spent: BUDGET, remaining: 0 });
      expect((await t.app.services.verify()).ok).toBe(true);
    } finally {
      await t.close();
    }
  });
});
