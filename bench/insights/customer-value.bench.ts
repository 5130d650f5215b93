/**
 * How long a customer-value fit takes and how much memory it needs (npm run bench:clv; --help for
 * options), phase by phase: the summary query (one row per customer), the two model fits, each
 * member's figures, and writing them. Two sizes, each on PostgreSQL:
 *
 * - the CDNOW master file (23,570 customers, 69,659 purchases; data/cdnow/), posted through
 *   /v1/events/batch into a new database and fitted as of its last day, beside a raw COPY-free
 *   baseline: the same summary computed by PostgreSQL alone in one statement;
 * - a database kept by `npm run bench:reports -- --generate-only` (1M members, 10M purchases), with
 *   --reuse <url>.
 */
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import pino from "pino";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { openDatabase } from "../../src/db/database.ts";
import { cdnowEvent, readCdnow } from "../ingest/cdnow.ts";
import { postInProcess, stringField } from "../ledger/load.ts";
import { createDatabase, databaseUrl, dropDatabase } from "../ledger/postgres.ts";
import { log, runIdOf } from "../ledger/run.ts";
import { REPO_ROOT } from "../ledger/server.ts";

const USAGE = `Usage: npm run bench:clv -- [options]

  --reuse <url>          fit the first programme of a kept bench:reports database (1M members)
                         instead of loading the CDNOW master file into a new one
  --postgres-url <url>   server for the new database (default: $TEST_DATABASE_URL or
                         postgres://root@127.0.0.1:5432/test); it is dropped at the end
  -h, --help             this help`;

type App = Awaited<ReturnType<typeof createApp>>;

/** Resident memory at its highest while `run` runs, sampled every 50 ms. */
async function peakRss<T>(run: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  try {
    const value = await run();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, peakMb: Math.round(peak / 1048576) };
  } finally {
    clearInterval(timer);
  }
}

/** Queues a fit through the API and runs it through the jobs' tick, timing each phase. */
async function runFit(app: App, key: string, programId: string, asOf: string) {
  const queued = await postInProcess(app, key, "/v1/insights/customer-value/fit", { asOf });
  const fitId = stringField(queued, "id");
  const phases: { phase: string; seconds: number; rows: number }[] = [];
  const started = performance.now();
  const before = Math.round(process.memoryUsage().rss / 1048576);
  const { value: outcome, peakMb } = await peakRss(() =>
    app.services.customerValue.tick(new Date(), {
      programId,
      onPhase: (phase, seconds, rows) => {
        phases.push({ phase, seconds, rows });
        log(`  ${phase}: ${seconds.toFixed(2)} s (${rows} rows)`);
      },
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const model = await app.services.customerValue.model(programId);
  return { fitId, outcome, seconds, phases, rssBeforeMb: before, peakRssMb: peakMb, model };
}

/** The summary step computed by PostgreSQL alone, one statement, rows counted: the floor the fit's summary query can reach. */
async function baselineSummary(url: string, programId: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const started = performance.now();
    const result = await client.query<{ n: string }>(
      `select count(*) as n from (
         select member_id, count(distinct (occurred_at at time zone 'UTC')::date) - 1 as x,
                max((occurred_at at time zone 'UTC')::date) - min((occurred_at at time zone 'UTC')::date) as t_x
           from events where program_id = $1 and type = 'purchase' and member_id is not null group by member_id) s`,
      [programId],
    );
    return { seconds: (performance.now() - started) / 1000, rows: Number(result.rows[0]?.n ?? 0) };
  } finally {
    await client.end();
  }
}

async function openApp(url: string) {
  const database = await openDatabase({ engine: "postgres", url, poolSize: 4 });
  const rootKey = `bench-root-${randomUUID()}`;
  const config = loadConfig({ STAMPBOOK_ROOT_KEY: rootKey, LOG_LEVEL: "silent", DATABASE_URL: url });
  const app = await createApp(config, { database, log: pino({ level: "silent" }) });
  return { app, rootKey };
}

async function cdnow(serverUrl: string) {
  const name = `bench_clv_${runIdOf(new Date())}`;
  await createDatabase(serverUrl, name);
  const url = databaseUrl(serverUrl, name);
  const { app, rootKey } = await openApp(url);
  try {
    const created = await postInProcess(app, rootKey, "/v1/programs", {
      name: "CDNOW",
      currency: "USD",
      timezone: "UTC",
      unknownMemberPolicy: "enroll",
    });
    const programId = stringField(created, "program", "id");
    const key = stringField(created, "apiKey", "secret");
    // A rule that accepts every purchase (CDNOW has $0 purchases, which a programme without one refuses).
    await postInProcess(app, key, "/v1/rules", {
      name: "A point a visit",
      trigger: "purchase",
      effect: { type: "fixed_points", points: 1 },
      inForceFrom: "1996-12-31T00:00:00.000Z",
    });
    const purchases = readCdnow(resolve(REPO_ROOT, "data/cdnow/CDNOW_master.txt"));
    const loading = performance.now();
    for (let i = 0; i < purchases.length; i += 1000) {
      const answer = await postInProcess(app, key, "/v1/events/batch", { events: purchases.slice(i, i + 1000).map(cdnowEvent) });
      if (typeof answer !== "object" || answer === null) throw new Error(`batch ${i / 1000} answered ${JSON.stringify(answer)}`);
    }
    log(`CDNOW master: ${purchases.length} purchases posted in ${((performance.now() - loading) / 1000).toFixed(1)} s`);
    // YYYYMMDD strings sort as the days do.
    const last =
      purchases
        .map((p) => p.date)
        .sort()
        .at(-1) ?? "";
    const asOf = `${last.slice(0, 4)}-${last.slice(4, 6)}-${last.slice(6, 8)}`;
    const result = await runFit(app, key, programId, asOf);
    const baseline = await baselineSummary(url, programId);
    return { size: "CDNOW master", purchases: purchases.length, asOf, ...result, baseline };
  } finally {
    await app.close();
    await dropDatabase(serverUrl, name);
  }
}

async function reuse(url: string) {
  const { app } = await openApp(url);
  try {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const found = (
      await client.query<{ id: string; last: Date }>(
        "select p.id, (select max(occurred_at) from events e where e.program_id = p.id) as last from programs p order by p.created_at limit 1",
      )
    ).rows[0];
    await client.end();
    if (!found) throw new Error("the database holds no programme");
    const services = app.services;
    const key = (
      await services.database.db
        .transaction()
        .execute((trx) => services.apiKeys.insert(trx, found.id, { name: "bench clv", scope: "admin" }))
    ).secret;
    const asOf = new Date(found.last).toISOString().slice(0, 10);
    const result = await runFit(app, key, found.id, asOf);
    const baseline = await baselineSummary(url, found.id);
    return { size: "kept database", asOf, ...result, baseline };
  } finally {
    await app.close();
  }
}

async function main() {
  const { values } = parseArgs({
    options: { reuse: { type: "string" }, "postgres-url": { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const serverUrl = values["postgres-url"] ?? process.env.TEST_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/test";
  const result = values.reuse ? await reuse(values.reuse) : await cdnow(serverUrl);
  const { model, ...rest } = result;
  process.stdout.write(`${JSON.stringify({ ...rest, parameters: model.parameters, customers: model.customers }, null, 2)}\n`);
  log(
    `${result.size}: fit ${result.seconds.toFixed(1)} s (${result.outcome.succeeded} succeeded), peak RSS ${result.peakRssMb} MB ` +
      `(${result.rssBeforeMb} MB before); summary by PostgreSQL alone ${result.baseline.seconds.toFixed(2)} s for ${result.baseline.rows} customers`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
