/**
 * bench/ledger: ledger writes per second over HTTP, on PGlite and PostgreSQL, against
 * pgbench's TPC-B on the same PostgreSQL server in the same run. See bench/README.md.
 *
 *   npm run bench:ledger -- --quick
 *   npm run bench:ledger -- --help
 */
import { randomBytes } from "node:crypto";
import type { CpuSplit } from "./cpu.ts";
import { serverSampler, startEngine } from "./engine.ts";
import { Api, runLoad } from "./load.ts";
import { type BenchOptions, type Engine, parseOptions, USAGE, type Workload } from "./options.ts";
import { checkpoint } from "./postgres.ts";
import { profileRequestPath } from "./profile.ts";
import {
  type BenchReport,
  closingLines,
  compareWithPgbench,
  cpuPerOp,
  errorSummary,
  measuredLine,
  NOISY_OTHER_PCT,
  pgbenchSection,
  profileTable,
  resultsTable,
  TARGET_RATIO,
} from "./report.ts";
import { log, measureRun, type Run, runMain, startRun, writeReport } from "./run.ts";
import { createFixture, operationFor } from "./workloads.ts";

const LEDGER_WORKLOADS = new Set<Workload>(["adjust", "hold-capture"]);

async function benchEngine(engine: Engine, options: BenchOptions, run: Run<"ledger">, report: BenchReport) {
  const rootKey = randomBytes(24).toString("base64url");
  log(`${engine}: starting ${engine === "postgres" ? options.servers : 1} server(s)`);
  const setup = await startEngine(engine, options, run.cleanup, rootKey, run.runId);
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
      const sampler = serverSampler(setup, options.postgresUrl);
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
  console.log(measuredLine(report.source));
  console.log(`Ledger writes over HTTP: ${options.duration} s per point after ${options.warmup} s warm-up.`);
  console.log("ops/s counts 2xx answers (a hold+capture pair is one op); ratio = ops/s / pgbench tps at that concurrency.");
  console.log("cpu ms/op: CPU time of the server process(es) + the PostgreSQL processes serving them, per op.");
  console.log(`other cpu %: busy CPU nothing in this run explains (of one core; ! = over ${NOISY_OTHER_PCT}%, a noisy point).\n`);
  console.log(resultsTable(report.runs));
  const errors = errorSummary(report.runs);
  if (errors.length > 0) console.log(`\nErrors:\n  ${errors.join("\n  ")}`);
  const pgbench = pgbenchSection(report);
  if (pgbench) console.log(pgbench);
  console.log("\nOne request at a time, in process (app.request(), no sockets): where a request's time goes\n");
  console.log(profileTable(report.profiles));
  const compared = report.runs.filter((r) => r.ratio !== null);
  if (compared.length > 0) {
    const meeting = compared.filter((r) => (r.ratio ?? 0) >= TARGET_RATIO).length;
    console.log(`\nAim: >= ${TARGET_RATIO}x pgbench tps at equal concurrency; met by ${meeting} of ${compared.length} points.`);
  }
  console.log(closingLines(report.runs, "op", file));
}

runMain(USAGE, parseOptions, async (options) => {
  const run = await startRun("ledger", options);
  const report: BenchReport = { ...run.header, target: TARGET_RATIO, pgbench: null, profiles: {}, runs: [] };
  const pgbenchAt = [...new Set([...options.concurrency, ...(options.hotConcurrency > 0 ? [options.hotConcurrency] : [])])];
  await measureRun(run, options, report, pgbenchAt, async () => {
    for (const engine of options.engines) await benchEngine(engine, options, run, report);
  });
  compareWithPgbench(report.runs, report.pgbench, (r) => (LEDGER_WORKLOADS.has(r.workload) ? r.load.opsPerSecond : null));
  printReport(report, options, writeReport(report, options, run.startedAt));
  return 0;
});
