/**
 * How long each report takes on a large programme (npm run bench:reports; --help for options).
 * Builds the programme straight into a fresh PostgreSQL database (generate.ts), then times every
 * report URL through the real app in process, cold and warm, against a plain sequential-scan
 * aggregate over the events table measured in the same run, without and with migration 0018's
 * indexes. EXPLAIN (ANALYZE, BUFFERS) of every statement of the slow reports goes to the results.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Kysely, type LogEvent, PostgresDialect } from "kysely";
import pg from "pg";
import pino from "pino";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import type { DB } from "../../src/db/schema.ts";
import { RollupService } from "../../src/reports/rollups.service.ts";
import { parseInt8 } from "../../src/shared/points.ts";
import { Cleanup } from "../ledger/cleanup.ts";
import { postInProcess, stringField } from "../ledger/load.ts";
import { createDatabase, databaseUrl, dropDatabase } from "../ledger/postgres.ts";
import { cleanUpOnSignals, log, runIdOf, sourceVersion, stamp } from "../ledger/run.ts";
import { REPO_ROOT } from "../ledger/server.ts";
import { runVerify, type VerifyOutcome } from "../ledger/verify.ts";
import { checkConsistency, generate, type Programme } from "./generate.ts";

export const USAGE = `Usage: npm run bench:reports -- [options]

Builds a programme of --members members and --events purchases over the year that ends now,
written directly with set-based SQL (synthetic, shaped like the engine's rows), then times each
report URL in process (the real app, app.request) against a sequential-scan aggregate over the
events table in the same run, without and then with migration 0018's indexes.

Options:
  --quick                 100,000 members, 1,000,000 purchases (about 3 minutes)
  --members <n>           members                                     (1000000)
  --events <n>            purchases                                   (10000000)
  --runs <n>              warm runs per report; the median is reported (5)
  --only-after            measure with the indexes only (skip the run without them)
  --verify                also run \`stampbook verify\` on the generated data (every ledger, reward
                          and tier invariant; minutes at the quick size, long at the full one)
  --keep                  keep the database (its URL is printed); drop it yourself
  --generate-only         generate, build the indexes, keep the database and stop (measure it with --reuse)
  --reuse <url>           measure a database an earlier --keep run made (or a copy of it:
                          createdb -T <kept> <copy>) instead of generating one; this branch's
                          migrations are applied to it first
  --rollups-only          measure only with the report rollups caught up (skip the phase without them)
  --no-catch-up           with --reuse: time the reports with the rollups as the database holds them
  --catch-up <a,b,...>    catch up only these rollups (e.g. member_spend,campaign_buckets); the others
                          stay as the database holds them (their reports read live what they lack)
                          (a report whose rollup is behind reads the rest live)
  --only <a,b,...>        time only the report URLs containing one of these strings
  --postgres-url <url>    server; a fresh database is created on it and dropped
                          [BENCH_DATABASE_URL, else TEST_DATABASE_URL] (postgres://root@127.0.0.1:5432/test)
  --label <text>          a note stored in the JSON results
  --out <dir>             where the JSON and the plans go                 (bench/results)
  -h, --help              this help`;

/**
 * Every report URL measured, relative to the programme; `{campaign}` and `{reward}` are replaced by
 * one of the programme's ids, `{from}`/`{to}`/`{asOf}` by the data's year, `{campaignFrom}`/`{campaignTo}`
 * by that campaign's own dates (given as a window, so read live). A URL that answers 404
 * (a report not on this branch yet) is listed as "not present".
 */
export const REPORT_URLS: string[] = [
  "/v1/reports/overview",
  "/v1/reports/overview?from={from}&to={to}&interval=month",
  "/v1/reports/staff",
  "/v1/reports/staff?from={from}&to={to}",
  "/v1/reports/participation?from={from}&to={to}",
  "/v1/reports/points?from={from}&to={to}",
  "/v1/reports/redemption-frequency?from={from}&to={to}",
  "/v1/reports/cohorts?from={from}&to={to}",
  "/v1/reports/campaigns",
  "/v1/reports/campaigns?from={from}&to={to}",
  "/v1/reports/campaigns/{campaign}",
  "/v1/reports/campaigns/{campaign}?from={campaignFrom}&to={campaignTo}",
  "/v1/reports/rewards?from={from}&to={to}",
  "/v1/reports/rewards/{reward}",
  "/v1/reports/liability?asOf={asOf}",
  "/v1/reports/breakage?from={from}&to={to}",
  "/v1/reports/program-cost?from={from}&to={to}",
  "/v1/reports/deferred-revenue?from={from}&to={to}",
  "/v1/reports/goals",
];

/** The baseline: what reading every event of the programme once costs on this server. */
const BASELINE_SQL = "select count(*), sum(amount) from events where program_id = $1";

/** A statement slower than this gets its plan explained. */
const EXPLAIN_MS = 200;

interface Options {
  members: number;
  events: number;
  runs: number;
  onlyAfter: boolean;
  keep: boolean;
  generateOnly: boolean;
  reuse: string | null;
  rollupsOnly: boolean;
  catchUp: boolean;
  /** With --catch-up: the rollups to catch up (the others stay as the database holds them). */
  catchUpOnly: string[] | null;
  only: string[] | null;
  verify: boolean;
  postgresUrl: string;
  label: string | null;
  out: string;
}

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean" },
      members: { type: "string" },
      events: { type: "string" },
      runs: { type: "string" },
      "only-after": { type: "boolean" },
      keep: { type: "boolean" },
      "generate-only": { type: "boolean" },
      reuse: { type: "string" },
      "rollups-only": { type: "boolean" },
      "no-catch-up": { type: "boolean" },
      "catch-up": { type: "string" },
      only: { type: "string" },
      verify: { type: "boolean" },
      "postgres-url": { type: "string" },
      label: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  const count = (value: string | undefined, fallback: number, name: string) => {
    const n = Number(value ?? fallback);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a positive whole number`);
    return n;
  };
  return {
    members: count(values.members, values.quick ? 100_000 : 1_000_000, "members"),
    events: count(values.events, values.quick ? 1_000_000 : 10_000_000, "events"),
    runs: count(values.runs, 5, "runs"),
    onlyAfter: values["only-after"] ?? false,
    keep: (values.keep ?? false) || (values["generate-only"] ?? false),
    generateOnly: values["generate-only"] ?? false,
    reuse: values.reuse ?? null,
    rollupsOnly: values["rollups-only"] ?? false,
    catchUp: !values["no-catch-up"],
    catchUpOnly: values["catch-up"] ? values["catch-up"].split(",").filter((x) => x.length > 0) : null,
    only: values.only ? values.only.split(",").filter((x) => x.length > 0) : null,
    verify: values.verify ?? false,
    postgresUrl:
      values["postgres-url"] ?? env.BENCH_DATABASE_URL ?? env.TEST_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/test",
    label: values.label ?? null,
    out: resolve(REPO_ROOT, values.out ?? "bench/results"),
  };
}

const INT8 = 20;
const DATE = 1082;

interface Statement {
  sql: string;
  parameters: readonly unknown[];
  ms: number;
}

/** The app in process on `url`, with every statement of the current request recorded. */
async function openApp(url: string) {
  let recording: Statement[] | null = null;
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // As the server's own pool (src/db/database.ts).
    options: "-c jit=off",
    types: {
      getTypeParser: (oid: number, format?: "text" | "binary") => {
        if (oid === INT8) return parseInt8;
        if (oid === DATE) return (value: string) => value;
        return pg.types.getTypeParser(oid, format);
      },
    },
  });
  const onLog = (event: LogEvent) => {
    if (event.level === "query" && recording)
      recording.push({ sql: event.query.sql, parameters: event.query.parameters, ms: event.queryDurationMillis });
  };
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), log: onLog });
  const rootKey = `bench-root-${randomUUID()}`;
  const config = loadConfig({ STAMPBOOK_ROOT_KEY: rootKey, LOG_LEVEL: "silent", DATABASE_URL: url });
  const app = await createApp(config, {
    database: { db, engine: "postgres", close: () => db.destroy() },
    log: pino({ level: "silent" }),
  });
  return {
    rootKey,
    app,
    post: (key: string, path: string, body: unknown) => postInProcess(app, key, path, body),
    /** One GET, timed; its statements are recorded. */
    async get(key: string, path: string) {
      recording = [];
      const started = performance.now();
      const response = await app.http.request(path, { headers: { authorization: `Bearer ${key}` } });
      const body = await response.text();
      const ms = performance.now() - started;
      const statements = recording;
      recording = null;
      return { status: response.status, ms, body, statements };
    },
    close: () => app.close(),
  };
}

type App = Awaited<ReturnType<typeof openApp>>;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

interface Timing {
  firstSeconds: number;
  medianSeconds: number;
  runs: number[];
}

async function timeBaseline(url: string, programId: string, runs: number): Promise<Timing> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const times: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const started = performance.now();
      await client.query(BASELINE_SQL, [programId]);
      times.push((performance.now() - started) / 1000);
    }
    return { firstSeconds: times[0] ?? 0, medianSeconds: median(times.slice(1)), runs: times.slice(1) };
  } finally {
    await client.end();
  }
}

interface ReportTiming extends Partial<Timing> {
  url: string;
  status: number | "not present";
  /** The slowest statements of the last run, slowest first. */
  slowest?: { ms: number; sql: string }[];
  plans?: string[];
}

async function timeReports(
  app: App,
  key: string,
  urls: string[],
  runs: number,
  explainUrl: string | null,
): Promise<ReportTiming[]> {
  const results: ReportTiming[] = [];
  for (const url of urls) {
    const first = await app.get(key, url);
    if (first.status === 404) {
      // A report not on this branch yet: the route does not exist.
      results.push({ url, status: "not present" });
      log(`  ${url}: not present (${first.body.slice(0, 120)})`);
      continue;
    }
    if (first.status !== 200) {
      results.push({ url, status: first.status });
      log(`  ${url}: ${first.status} ${first.body.slice(0, 200)}`);
      continue;
    }
    const times: number[] = [];
    let last = first;
    for (let i = 0; i < runs; i++) {
      last = await app.get(key, url);
      times.push(last.ms / 1000);
    }
    const timing: ReportTiming = {
      url,
      status: 200,
      firstSeconds: first.ms / 1000,
      medianSeconds: median(times),
      runs: times,
      slowest: [...last.statements]
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 3)
        .map((s) => ({ ms: Math.round(s.ms), sql: s.sql.replace(/\s+/g, " ").slice(0, 160) })),
    };
    if (explainUrl !== null)
      timing.plans = await explain(
        explainUrl,
        last.statements
          // A statement after the report's `set local jit = off` is explained without JIT too (with
          // it, EXPLAIN charged seconds of compiling to whichever node ran first).
          .map((s, i) => ({ ...s, noJit: last.statements.slice(0, i).some((x) => /^\s*set local jit = off/i.test(x.sql)) }))
          .filter((s) => s.ms >= EXPLAIN_MS),
      );
    results.push(timing);
    log(`  ${url}: first ${timing.firstSeconds?.toFixed(3)} s, median ${timing.medianSeconds?.toFixed(3)} s`);
  }
  return results;
}

/** EXPLAIN (ANALYZE, BUFFERS) of each statement with the parameters (and the JIT setting) the report ran it with. */
async function explain(url: string, statements: (Statement & { noJit: boolean })[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const plans: string[] = [];
    for (const s of statements) {
      await client.query(s.noJit ? "set jit = off" : "reset jit");
      const result = await client.query<{ "QUERY PLAN": string }>(
        `explain (analyze, buffers) ${s.sql}`,
        s.parameters.map((p) => (p instanceof Date ? p.toISOString() : p)),
      );
      plans.push(`-- ${Math.round(s.ms)} ms in the report\n${s.sql}\n${result.rows.map((r) => r["QUERY PLAN"]).join("\n")}`);
    }
    return plans;
  } finally {
    await client.end();
  }
}

/** The indexes migration 0018 creates: `create index <name> on ...` lines. */
function migrationIndexes(): { name: string; sql: string }[] {
  const file = readFileSync(join(REPO_ROOT, "src/db/migrations/0018_report_indexes.sql"), "utf8");
  return [...file.matchAll(/create index if not exists (\w+)[^;]*;/g)].map((m) => ({ name: m[1] ?? "", sql: m[0] }));
}

const day = (d: Date) => d.toISOString().slice(0, 10);

async function main(options: Options): Promise<number> {
  const startedAt = new Date();
  const runId = runIdOf(startedAt);
  const dbName = `bench_reports_${runId}`;
  const url = options.reuse ?? databaseUrl(options.postgresUrl, dbName);
  const cleanup = new Cleanup();
  cleanUpOnSignals(cleanup);
  const version = sourceVersion();
  if (options.reuse) log(`reports bench: reusing ${options.reuse}`);
  else {
    log(`reports bench: ${options.members} members, ${options.events} purchases, database ${dbName}`);
    await createDatabase(options.postgresUrl, dbName);
    if (!options.keep) cleanup.add(`drop ${dbName}`, () => dropDatabase(options.postgresUrl, dbName));
  }
  let app: App | null = null;
  try {
    app = await openApp(url);
    cleanup.add("close app", async () => app?.close());
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    let programId: string;
    let key: string;
    let programme: Programme;
    let generationSeconds = 0;
    let steps: Awaited<ReturnType<typeof generate>> = [];
    let checks: Awaited<ReturnType<typeof checkConsistency>> = [];
    let verify: VerifyOutcome | null = null;
    if (options.reuse) {
      const found = (
        await client.query<{ id: string; last: Date }>(
          "select p.id, (select max(occurred_at) from events e where e.program_id = p.id) as last from programs p order by p.created_at limit 1",
        )
      ).rows[0];
      if (!found) throw new Error(`${options.reuse} holds no programme`);
      programId = found.id;
      const services = app.app.services;
      key = (
        await services.database.db
          .transaction()
          .execute((trx) => services.apiKeys.insert(trx, found.id, { name: `bench ${runId}`, scope: "admin" }))
      ).secret;
      const now = new Date(Math.ceil(new Date(found.last).getTime() / 60_000) * 60_000);
      programme = { programId, now, yearStart: new Date(now.getTime() - 365 * 86_400_000) };
    } else {
      const created = await app.post(app.rootKey, "/v1/programs", {
        name: "Bench programme",
        currency: "USD",
        timezone: "UTC",
        pendingDays: 14,
        pointsExpiry: { policy: "fixed_period", months: 9 },
      });
      programId = stringField(created, "program", "id");
      key = stringField(created, "apiKey", "secret");
      const now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
      programme = { programId, now, yearStart: new Date(now.getTime() - 365 * 86_400_000) };
      const genStarted = performance.now();
      log("generating");
      // Migration 0018's indexes are left out of the load; the measurements add them.
      const leaveOut = migrationIndexes().map((i) => i.name);
      steps = await generate(client, { members: options.members, events: options.events }, programme, log, leaveOut);
      generationSeconds = (performance.now() - genStarted) / 1000;
      log(`generated in ${generationSeconds.toFixed(0)} s; checking`);
      checks = await checkConsistency(client);
      for (const c of checks)
        log(`  ${c.violations === 0 ? "ok" : "FAILED"} ${c.name} (${c.violations}, ${c.seconds.toFixed(1)} s)`);
      if (options.verify) {
        // A key of the run's own, so verify writes no key file into the working tree.
        process.env.STAMPBOOK_SECRET_KEY ??= randomUUID() + randomUUID();
        verify = await runVerify({ databaseUrl: url, dataDir: undefined });
        log(`stampbook verify: ${verify.ok ? "ok" : "FAILED"} in ${verify.seconds} s`);
        for (const c of verify.checks) if (c.violations > 0) log(`  ${c.name}: ${c.violations}`);
      }
    }
    const now = programme.now;
    const counted = (
      await client.query<{ members: string; events: string }>(
        "select (select count(*) from members) as members, (select count(*) from events where type = 'purchase') as events",
      )
    ).rows[0];
    const size = { members: Number(counted?.members ?? 0), events: Number(counted?.events ?? 0) };
    const sizes = (
      await client.query<{ table: string; rows: string; bytes: string }>(`
        select c.relname as table, c.reltuples::bigint as rows, pg_total_relation_size(c.oid) as bytes
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'public' and c.relkind = 'r' and c.reltuples > 1000 order by pg_total_relation_size(c.oid) desc`)
    ).rows.map((r) => ({ table: r.table, rows: Number(r.rows), megabytes: Math.round(Number(r.bytes) / 1048576) }));
    const databaseMegabytes = Math.round(
      Number((await client.query<{ n: string }>("select pg_database_size(current_database()) as n")).rows[0]?.n ?? 0) / 1048576,
    );

    const first = (
      await client.query<{ id: string; starts_at: Date | null; ends_at: Date | null }>(
        "select id, starts_at, ends_at from campaigns order by id limit 1",
      )
    ).rows[0];
    const campaign = first?.id ?? "";
    // The same campaign over its own dates given as a window: the live path (a window given is never kept).
    const campaignFrom = first?.starts_at ? day(first.starts_at) : day(now);
    const campaignTo = first?.ends_at ? day(new Date(first.ends_at.getTime() - 86_400_000)) : day(now);
    const reward = (await client.query<{ id: string }>("select id from rewards order by id limit 1")).rows[0]?.id ?? "";
    const urls = REPORT_URLS.filter((u) => !options.only || options.only.some((o) => u.includes(o))).map((u) =>
      u
        .replaceAll("{from}", day(new Date(programme.yearStart.getTime() + 86_400_000)))
        .replaceAll("{to}", day(now))
        .replaceAll("{asOf}", day(now))
        .replaceAll("{campaignFrom}", campaignFrom)
        .replaceAll("{campaignTo}", campaignTo)
        .replaceAll("{campaign}", campaign)
        .replaceAll("{reward}", reward),
    );

    const indexes = migrationIndexes();
    const phases: {
      phase: string;
      baseline: Timing;
      reports: ReportTiming[];
      indexSeconds?: number;
      rollupSeconds?: number;
      rollupDays?: number;
    }[] = [];
    if (!options.reuse && !options.onlyAfter && !options.rollupsOnly && !options.generateOnly && indexes.length > 0) {
      for (const index of indexes) await client.query(`drop index if exists ${index.name}`);
      log("without migration 0018's indexes");
      const baseline = await timeBaseline(url, programId, options.runs);
      log(`  baseline scan: median ${baseline.medianSeconds.toFixed(3)} s`);
      phases.push({ phase: "without 0018", baseline, reports: await timeReports(app, key, urls, options.runs, url) });
    }
    const built = performance.now();
    for (const index of indexes) await client.query(index.sql);
    await client.query("analyze");
    const indexSeconds = (performance.now() - built) / 1000;
    if (options.generateOnly) {
      log(`indexes built in ${indexSeconds.toFixed(1)} s; database kept: ${url}`);
      await client.end();
      return 0;
    }
    if (!options.rollupsOnly) {
      log(`with migration 0018's indexes (built in ${indexSeconds.toFixed(1)} s), no rollups`);
      const baseline = await timeBaseline(url, programId, options.runs);
      log(`  baseline scan: median ${baseline.medianSeconds.toFixed(3)} s`);
      phases.push({ phase: "with 0018", baseline, indexSeconds, reports: await timeReports(app, key, urls, options.runs, url) });
    }
    // The rollups as the jobs keep them: caught up with the whole year first (what a new or
    // upgraded server's jobs do over their first ticks), timed.
    log(options.catchUp ? "catching up the report rollups" : "the report rollups as the database holds them");
    const rolled = performance.now();
    const keeper = options.catchUpOnly
      ? new RollupService({
          db: app.app.services.database.db,
          clock: app.app.services.clock,
          definitions: app.app.services.rollups.definitions.filter((d) => options.catchUpOnly?.includes(d.name)),
        })
      : app.app.services.rollups;
    const rollupDays = options.catchUp
      ? await keeper.catchUp(new Date(), undefined, (rollup, through, seconds) =>
          log(`  ${rollup} rolled up to ${through} (${seconds.toFixed(1)} s)`),
        )
      : 0;
    await client.query("analyze");
    const rollupSeconds = (performance.now() - rolled) / 1000;
    log(`  ${rollupDays} rollup days in ${rollupSeconds.toFixed(1)} s`);
    // The campaign results of closed windows, kept as the jobs keep them after the rollups.
    const keeping = performance.now();
    for (;;) {
      const kept = await app.app.services.campaignResults.keep(new Date(), { budgetMs: 600_000 });
      log(`  campaign results kept: ${JSON.stringify(kept)}`);
      if (kept.complete) break;
    }
    log(`  campaign results kept in ${((performance.now() - keeping) / 1000).toFixed(1)} s`);
    const afterRollups = await timeBaseline(url, programId, options.runs);
    log(`  baseline scan: median ${afterRollups.medianSeconds.toFixed(3)} s`);
    phases.push({
      phase: "with rollups",
      baseline: afterRollups,
      rollupSeconds,
      rollupDays,
      reports: await timeReports(app, key, urls, options.runs, url),
    });
    await client.end();

    const report = {
      benchmark: "reports",
      startedAt: startedAt.toISOString(),
      ...version,
      label: options.label,
      reused: options.reuse,
      size,
      generationSeconds,
      steps,
      checks,
      verify,
      sizes,
      databaseMegabytes,
      indexes: indexes.map((i) => i.sql),
      phases,
    };
    mkdirSync(options.out, { recursive: true });
    const file = join(options.out, `reports-${stamp(startedAt)}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(summary(report));
    log(`results: ${file}`);
    if (options.keep) log(`database kept: ${url}`);
    return checks.every((c) => c.violations === 0) && (verify === null || verify.ok) ? 0 : 1;
  } finally {
    await cleanup.runAll();
  }
}

function summary(report: {
  size: { members: number; events: number };
  generationSeconds: number;
  databaseMegabytes: number;
  phases: { phase: string; baseline: Timing; reports: ReportTiming[] }[];
}): string {
  const lines = [
    `${report.size.members} members, ${report.size.events} purchases; generated in ${report.generationSeconds.toFixed(0)} s; database ${report.databaseMegabytes} MB`,
  ];
  for (const phase of report.phases) {
    lines.push(
      "",
      `${phase.phase}: baseline scan ${phase.baseline.firstSeconds.toFixed(3)} s first, ${phase.baseline.medianSeconds.toFixed(3)} s median`,
    );
    lines.push("report                                                        first s  median s  ratio");
    for (const r of phase.reports) {
      if (r.status !== 200) {
        lines.push(`${r.url.padEnd(60)}  ${String(r.status)}`);
        continue;
      }
      const ratio = (r.medianSeconds ?? 0) / phase.baseline.medianSeconds;
      lines.push(
        `${r.url.padEnd(60)}  ${(r.firstSeconds ?? 0).toFixed(3).padStart(7)}  ${(r.medianSeconds ?? 0).toFixed(3).padStart(8)}  ${ratio.toFixed(2).padStart(5)}x`,
      );
    }
  }
  return lines.join("\n");
}

const options = parseOptions(process.argv.slice(2), process.env);
if (options === "help") console.log(USAGE);
else
  main(options).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
