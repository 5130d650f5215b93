/**
 * bench/ledger: ledger writes per second over HTTP, on PGlite and PostgreSQL, against
 * pgbench's TPC-B on the same PostgreSQL server in the same run. See bench/README.md.
 *
 *   npm run bench:ledger -- --quick
 *   npm run bench:ledger -- --help
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { PgbenchBaseline } from "./baseline.ts";
import { Cleanup } from "./cleanup.ts";
import { CpuSampler, type CpuSplit } from "./cpu.ts";
import { startEngine } from "./engine.ts";
import { Api, runLoad } from "./load.ts";
import { type BenchOptions, type Engine, parseOptions, USAGE, UsageError, type Workload } from "./options.ts";
import { backendPids, checkpoint } from "./postgres.ts";
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
import { cleanUpOnSignals, log, postgresReachable, reportHeader, runIdOf, stamp } from "./run.ts";
import { createFixture, operationFor } from "./workloads.ts";

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
  cleanUpOnSignals(cleanup);

  const startedAt = new Date();
  const runId = runIdOf(startedAt);
  const report: BenchReport = {
    ...(await reportHeader("ledger", options, startedAt)),
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
