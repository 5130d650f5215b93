/**
 * bench/ledger: ledger writes per second over HTTP, on PGlite and PostgreSQL, against
 * pgbench's TPC-B on the same PostgreSQL server in the same run. See bench/README.md.
 *
 *   npm run bench:ledger -- --quick
 *   npm run bench:ledger -- --help
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { PgbenchBaseline } from "./baseline.ts";
import { Cleanup } from "./cleanup.ts";
import { CpuSampler, type CpuSplit, machineBusyPct } from "./cpu.ts";
import { Api, runLoad } from "./load.ts";
import { type BenchOptions, type Engine, parseOptions, USAGE, UsageError, type Workload } from "./options.ts";
import { backendPids, checkpoint, createDatabase, databaseUrl, dropDatabase, runSql, serverVersion } from "./postgres.ts";
import { profileRequestPath } from "./profile.ts";
import {
  type BenchReport,
  baselineTps,
  cpuPerOp,
  errorSummary,
  NOISY_OTHER_PCT,
  pgbenchTable,
  profileTable,
  resultsTable,
  TARGET_RATIO,
} from "./report.ts";
import { REPO_ROOT, type ServerHandle, startServer } from "./server.ts";
import { createFixture, operationFor } from "./workloads.ts";

const log = (message: string) => process.stderr.write(`${message}\n`);

/** The commit measured, and whether src/ had uncommitted changes (a shared working tree moves). */
function sourceVersion(): { commit: string | null; srcModified: boolean | null } {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" }).trim();
  try {
    return { commit: git("rev-parse", "HEAD"), srcModified: git("status", "--porcelain", "--", "src").length > 0 };
  } catch {
    return { commit: null, srcModified: null };
  }
}

function stamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, "-");
}

async function postgresReachable(url: string): Promise<string | null> {
  try {
    return await serverVersion(url);
  } catch (error) {
    log(`PostgreSQL at ${redact(url)} is not reachable: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

interface EngineSetup {
  servers: ServerHandle[];
  /** The fresh PostgreSQL database of this run (null on PGlite). */
  databaseName: string | null;
  databaseUrl: string | undefined;
  teardown: () => Promise<void>;
}

/** Fresh storage (a temp PGlite directory or a new PostgreSQL database) and the servers on it. */
async function startEngine(
  engine: Engine,
  options: BenchOptions,
  cleanup: Cleanup,
  rootKey: string,
  runId: string,
): Promise<EngineSetup> {
  const nodeOptions = options.serverNodeOptions?.split(/\s+/).filter(Boolean);
  if (engine === "pglite") {
    const dataDir = mkdtempSync(join(tmpdir(), "stampbook-bench-"));
    const removeDir = cleanup.add(`remove ${dataDir}`, async () => rmSync(dataDir, { recursive: true, force: true }));
    const server = await startServer({ rootKey, database: { engine, dataDir }, nodeOptions });
    const stop = cleanup.add(`stop server ${server.pid}`, () => server.stop());
    return {
      servers: [server],
      databaseName: null,
      databaseUrl: undefined,
      teardown: async () => {
        await stop();
        await removeDir();
      },
    };
  }
  const databaseName = `stampbook_bench_${runId}`;
  const url = databaseUrl(options.postgresUrl, databaseName);
  await createDatabase(options.postgresUrl, databaseName);
  const drop = cleanup.add(`drop database ${databaseName}`, () => dropDatabase(options.postgresUrl, databaseName));
  const stops: (() => Promise<void>)[] = [];
  const servers: ServerHandle[] = [];
  for (let i = 0; i < options.servers; i++) {
    const server = await startServer({ rootKey, database: { engine, url }, poolSize: options.poolSize, nodeOptions });
    servers.push(server);
    stops.push(cleanup.add(`stop server ${server.pid}`, () => server.stop()));
  }
  if (options.setupSql) await runSql(url, options.setupSql);
  return {
    servers,
    databaseName,
    databaseUrl: url,
    teardown: async () => {
      await Promise.all(stops.map((stop) => stop()));
      await drop();
    },
  };
}

const LEDGER_WORKLOADS = new Set<Workload>(["adjust", "hold-capture"]);

async function benchEngine(engine: Engine, options: BenchOptions, cleanup: Cleanup, runId: string, report: BenchReport) {
  const rootKey = randomBytes(24).toString("base64url");
  log(`${engine}: starting ${engine === "postgres" ? options.servers : 1} server(s)`);
  const setup = await startEngine(engine, options, cleanup, rootKey, runId);
  try {
    const [first] = setup.servers;
    if (!first) throw new Error("no server started");
    log(`${engine}: creating ${options.members} members`);
    const fixture = await createFixture(first.origin, rootKey, options.members);
    log(`${engine}: profiling the request path in process`);
    report.profiles[engine] = await profileRequestPath(engine, setup.databaseUrl, options.quick ? 50 : 300);

    const plan: { workload: Workload; target: "spread" | "hot"; concurrency: number }[] = [];
    for (const workload of options.workloads) {
      for (const concurrency of options.concurrency) plan.push({ workload, target: "spread", concurrency });
      if (options.hotConcurrency > 0 && LEDGER_WORKLOADS.has(workload)) {
        plan.push({ workload, target: "hot", concurrency: options.hotConcurrency });
      }
    }
    for (const { workload, target, concurrency } of plan) {
      if (engine === "postgres") await checkpoint(options.postgresUrl);
      const apis = setup.servers.map(
        (server) => new Api(server.origin, fixture.programKey, Math.ceil(concurrency / setup.servers.length)),
      );
      const databaseName = setup.databaseName;
      const sampler = new CpuSampler(
        setup.servers.map((s) => s.pid),
        databaseName ? () => backendPids(options.postgresUrl, databaseName) : null,
      );
      let cpu: CpuSplit | null = null;
      try {
        const members = target === "hot" ? [fixture.hotMemberId] : fixture.memberIds;
        const load = await runLoad({
          concurrency,
          warmupMs: options.warmup * 1000,
          durationMs: options.duration * 1000,
          operation: operationFor(workload, apis, members, options.idempotencyKey),
          onWindowOpen: () => sampler.start(),
          onWindowClose: () => {
            cpu = sampler.stop();
          },
        });
        report.runs.push({
          engine,
          workload,
          target,
          members: target === "hot" ? 1 : fixture.memberIds.length,
          concurrency,
          servers: setup.servers.length,
          poolSize: engine === "postgres" ? (options.poolSize ?? null) : null,
          load,
          cpu,
          cpuMsPerOp: cpuPerOp(cpu, load.opsPerSecond),
          pgbenchTps: null,
          ratio: null,
        });
        log(
          `${engine} ${workload} ${target} c=${concurrency}: ${load.opsPerSecond} ops/s, p50 ${load.latencyMs.p50} ms, p99 ${load.latencyMs.p99} ms, ${load.failed} errors`,
        );
      } finally {
        await Promise.all(apis.map((api) => api.close()));
      }
    }
  } finally {
    await setup.teardown();
  }
}

function printReport(report: BenchReport, options: BenchOptions, file: string): void {
  const { commit, srcModified } = report.source;
  console.log(
    `\nMeasured: commit ${commit?.slice(0, 10) ?? "unknown"}${srcModified ? " with uncommitted changes in src/" : ""}.`,
  );
  console.log(`Ledger writes over HTTP: ${options.duration} s per point after ${options.warmup} s warm-up.`);
  console.log("ops/s counts 2xx answers (a hold+capture pair is one op); ratio = ops/s / pgbench tps at that concurrency.");
  console.log("cpu ms/op: CPU time of the server process(es) + the PostgreSQL processes serving them, per op.");
  console.log(`other cpu %: busy CPU nothing in this run explains (of one core; ! = over ${NOISY_OTHER_PCT}%, a noisy point).\n`);
  console.log(resultsTable(report.runs));
  const errors = errorSummary(report.runs);
  if (errors.length > 0) console.log(`\nErrors:\n  ${errors.join("\n  ")}`);
  if (report.pgbench) {
    console.log(`\npgbench TPC-B, scale ${report.pgbench.scale}, before and after the ledger runs (${report.machine.pgbench})\n`);
    console.log(pgbenchTable(report.pgbench));
  }
  console.log("\nOne request at a time, in process (app.request(), no sockets): where a request's time goes\n");
  console.log(profileTable(report.profiles));
  const compared = report.runs.filter((r) => r.ratio !== null);
  if (compared.length > 0) {
    const meeting = compared.filter((r) => (r.ratio ?? 0) >= TARGET_RATIO).length;
    console.log(`\nAim: >= ${TARGET_RATIO}x pgbench tps at equal concurrency; met by ${meeting} of ${compared.length} points.`);
  }
  const noisy = report.runs.filter((r) => (r.cpu?.otherPct ?? 0) > NOISY_OTHER_PCT).length;
  if (noisy > 0) {
    console.log(`Warning: ${noisy} of ${report.runs.length} points shared the CPU with other work; compare cpu ms/op, or rerun.`);
  }
  console.log(`\nFull results: ${relative(process.cwd(), file)}`);
}

async function main(): Promise<number> {
  const parsed = parseOptions(process.argv.slice(2), process.env);
  if (parsed === "help") {
    console.log(USAGE);
    return 0;
  }
  const options = parsed;
  const cleanup = new Cleanup();
  const onSignal = (signal: NodeJS.Signals) => {
    log(`\n${signal}: stopping servers and dropping databases`);
    void cleanup.runAll().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const startedAt = new Date();
  const runId = `${stamp(startedAt).slice(0, 19).replace(/-/g, "").replace("T", "_")}_${process.pid}`;
  const report: BenchReport = {
    benchmark: "ledger",
    label: options.label ?? null,
    startedAt: startedAt.toISOString(),
    finishedAt: "",
    source: sourceVersion(),
    options: { ...options, postgresUrl: redact(options.postgresUrl) },
    machine: {
      cores: availableParallelism(),
      node: process.version,
      postgres: null,
      pgbench: null,
      busyBeforePct: await machineBusyPct(1000),
    },
    target: TARGET_RATIO,
    pgbench: null,
    profiles: {},
    runs: [],
  };
  if (report.machine.busyBeforePct > NOISY_OTHER_PCT) {
    log(`warning: the machine is already ${report.machine.busyBeforePct}% busy (of one core) before the run`);
  }
  try {
    const needsPostgres = options.engines.includes("postgres");
    if (needsPostgres || options.pgbench) {
      report.machine.postgres = await postgresReachable(options.postgresUrl);
      if (report.machine.postgres === null && needsPostgres) {
        throw new Error("PostgreSQL is needed for --engines postgres; set --postgres-url or BENCH_DATABASE_URL");
      }
    }
    let baseline: PgbenchBaseline | null = null;
    const pgbenchConcurrencies = [
      ...new Set([...options.concurrency, ...(options.hotConcurrency > 0 ? [options.hotConcurrency] : [])]),
    ];
    if (options.pgbench && report.machine.postgres !== null) {
      const name = `stampbook_bench_${runId}_pgbench`;
      baseline = await PgbenchBaseline.create(options.postgresUrl, name, options.pgbenchScale, cleanup, log);
      report.machine.pgbench = baseline.version;
      const before = await baseline.measure(pgbenchConcurrencies, options.duration, options.warmup, log);
      report.pgbench = { scale: options.pgbenchScale, before, after: [] };
    }
    for (const engine of options.engines) await benchEngine(engine, options, cleanup, runId, report);
    if (baseline && report.pgbench) {
      log("pgbench: second round, after the ledger runs");
      report.pgbench.after = await baseline.measure(pgbenchConcurrencies, options.duration, options.warmup, log);
    }
  } finally {
    await cleanup.runAll();
  }
  report.finishedAt = new Date().toISOString();
  const tps = baselineTps(report.pgbench);
  for (const run of report.runs) {
    if (!LEDGER_WORKLOADS.has(run.workload)) continue;
    run.pgbenchTps = tps.get(run.concurrency) ?? null;
    run.ratio = run.pgbenchTps ? Math.round((run.load.opsPerSecond / run.pgbenchTps) * 1000) / 1000 : null;
  }

  const outDir = resolve(process.cwd(), options.out);
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `ledger-${stamp(startedAt)}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  printReport(report, options, file);
  return 0;
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(error.message);
      process.exit(2);
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
