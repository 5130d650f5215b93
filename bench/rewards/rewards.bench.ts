/**
 * bench/rewards: redemptions (one-phase on an unlimited and on a stocked reward, reserve+confirm),
 * voucher checks and uses, and paying with points, over HTTP against one real server on
 * PostgreSQL, compared with pgbench's TPC-B on the same server in the same run. See bench/README.md.
 *
 *   npm run bench:rewards -- --quick
 *   npm run bench:rewards -- --help
 */
import { randomBytes } from "node:crypto";
import type { CpuSplit } from "../ledger/cpu.ts";
import { type EngineSetup, serverSampler, startEngine } from "../ledger/engine.ts";
import { Api, runLoad } from "../ledger/load.ts";
import { checkpoint, queryRows } from "../ledger/postgres.ts";
import {
  closingLines,
  compareWithPgbench,
  cpuPerOp,
  measuredLine,
  NOISY_OTHER_PCT,
  pgbenchSection,
  profileTable,
} from "../ledger/report.ts";
import { log, measureRun, type Run, runMain, startRun, writeReport } from "../ledger/run.ts";
import { runVerify } from "../ledger/verify.ts";
import { parseOptions, type RewardsOptions, type RewardsWorkload, USAGE } from "./options.ts";
import { profileRewards } from "./profile.ts";
import {
  type DatabaseCounters,
  profileDetails,
  type RewardsReport,
  type RewardsRun,
  rewardLockMs,
  runsTable,
  stockCosts,
  stockCostTable,
  WORKLOAD_NAMES,
} from "./report.ts";
import { WaitSampler, type WaitSplit } from "./waits.ts";
import { createFixture, operationFor, type RewardsFixture, rewardOf, VoucherSupply } from "./workloads.ts";

/** Vouchers issued before the first point, for the checks. */
const FIRST_VOUCHERS = 1_000;
/** Voucher uses a point is assumed to reach per second when no check was measured at its concurrency. */
const USE_RATE_GUESS = 1_000;

/** Rows of the kind a point's requests add to, before it starts (see RewardsRun.historyBefore). */
async function historyBefore(url: string, workload: RewardsWorkload, fixture: RewardsFixture): Promise<number> {
  const rewardId = rewardOf(workload, fixture.rewards);
  const [row] = rewardId
    ? await queryRows<{ n: string }>(url, "select count(*) as n from redemptions where reward_id = $1", [rewardId])
    : await queryRows<{ n: string }>(
        url,
        workload === "payment"
          ? "select count(*) as n from payments where program_id = $1"
          : "select count(*) as n from vouchers where program_id = $1",
        [fixture.programId],
      );
  return Number(row?.n ?? 0);
}

/** Vouchers the use point at `concurrency` may take: its warm-up and window at the check rate, with room to spare. */
function vouchersNeeded(runs: RewardsRun[], concurrency: number, options: RewardsOptions): number {
  const check = runs.find((r) => r.workload === "voucher-check" && r.concurrency === concurrency);
  const rate = check && check.load.opsPerSecond > 0 ? check.load.opsPerSecond : USE_RATE_GUESS;
  return Math.ceil(rate * (options.warmup + options.duration) * 1.5) + 100;
}

async function loadPoint(
  setup: EngineSetup,
  options: RewardsOptions,
  fixture: RewardsFixture,
  vouchers: VoucherSupply,
  workload: RewardsWorkload,
  concurrency: number,
): Promise<RewardsRun> {
  const [server] = setup.servers;
  const url = setup.databaseUrl;
  const databaseName = setup.databaseName;
  if (!server || !url || !databaseName) throw new Error("no server on PostgreSQL started");
  const history = await historyBefore(url, workload, fixture);
  await checkpoint(options.postgresUrl);
  const api = new Api(server.origin, fixture.key, concurrency);
  const sampler = serverSampler(setup, options.postgresUrl);
  const waitSampler = new WaitSampler(options.postgresUrl, databaseName);
  let cpu: CpuSplit | null = null;
  let waitsStopped: Promise<WaitSplit | null> = Promise.resolve(null);
  try {
    const load = await runLoad({
      concurrency,
      warmupMs: options.warmup * 1000,
      durationMs: options.duration * 1000,
      operation: operationFor(workload, api, fixture, vouchers),
      onWindowOpen: async () => {
        await Promise.all([sampler.start(), waitSampler.start()]);
      },
      onWindowClose: () => {
        cpu = sampler.stop();
        waitsStopped = waitSampler.stop();
      },
    });
    const waits = await waitsStopped;
    log(
      `${WORKLOAD_NAMES[workload]} c=${concurrency}: ${load.opsPerSecond} ops/s, p50 ${load.latencyMs.p50} ms, p99 ${load.latencyMs.p99} ms, ${load.failed} errors`,
    );
    return {
      workload,
      concurrency,
      members: fixture.memberIds.length,
      historyBefore: history,
      load,
      cpu,
      cpuMsPerOp: cpuPerOp(cpu, load.opsPerSecond),
      waits,
      pgbenchTps: null,
      ratio: null,
    };
  } finally {
    await api.close();
  }
}

async function databaseCounters(serverUrl: string, database: string): Promise<DatabaseCounters | null> {
  const [row] = await queryRows<{ xact_commit: string; xact_rollback: string; deadlocks: string }>(
    serverUrl,
    "select xact_commit, xact_rollback, deadlocks from pg_stat_database where datname = $1",
    [database],
  );
  return row
    ? { xactCommit: Number(row.xact_commit), xactRollback: Number(row.xact_rollback), deadlocks: Number(row.deadlocks) }
    : null;
}

async function benchRewards(options: RewardsOptions, run: Run<"rewards">, report: RewardsReport): Promise<void> {
  const rootKey = randomBytes(24).toString("base64url");
  log("postgres: starting the server");
  const setup = await startEngine("postgres", options, run.cleanup, rootKey, `${run.runId}_rewards`);
  try {
    const [server] = setup.servers;
    const url = setup.databaseUrl;
    const databaseName = setup.databaseName;
    if (!server || !url || !databaseName) throw new Error("no server on PostgreSQL started");
    log("profiling the rewards paths in process");
    report.profile = await profileRewards(url, options.quick ? 30 : 100);
    log(`creating a programme, its rewards and ${options.members} members`);
    const fixture = await createFixture(server.origin, rootKey, options.members);
    const vouchers = new VoucherSupply(server.origin, fixture);
    const usesVouchers = options.workloads.some((w) => w === "voucher-check" || w === "voucher-use");
    if (usesVouchers) report.vouchersIssued += await vouchers.topUp(FIRST_VOUCHERS);
    // By concurrency, then workload: the unlimited and the stocked reward's points run side by
    // side, so they compare at the same size of the tables.
    for (const concurrency of options.concurrency) {
      for (const workload of options.workloads) {
        if (workload === "voucher-use") {
          const issued = await vouchers.topUp(vouchersNeeded(report.runs, concurrency, options));
          if (issued > 0) log(`issued ${issued} vouchers for the use point`);
          report.vouchersIssued += issued;
        }
        report.runs.push(await loadPoint(setup, options, fixture, vouchers, workload, concurrency));
      }
    }
    // The server's backends report their statistics as they exit.
    await setup.stopServers();
    report.database = await databaseCounters(options.postgresUrl, databaseName);
    log("stampbook verify --json on the run's database");
    report.verify = await runVerify(setup);
  } finally {
    await setup.teardown();
  }
}

function printReport(report: RewardsReport, options: RewardsOptions, file: string): void {
  console.log(measuredLine(report.source));
  console.log(
    `Rewards over HTTP on PostgreSQL: ${options.duration} s per point after ${options.warmup} s warm-up; ${options.members} members.`,
  );
  console.log(
    "ops/s counts successes (a reserve+confirm pair is one op); ratio = ops/s / pgbench tps at that concurrency; history: the",
  );
  console.log("reward's redemptions (redeem, reserve), the programme's vouchers (voucher) or payments, when the point started.");
  console.log("cpu ms/op: CPU of the server + the PostgreSQL processes serving it + the load generator, per op.");
  console.log(
    "pg conns lock/txn/work: the server's PostgreSQL connections (pool of 10) waiting for a lock, idle in a transaction while",
  );
  console.log("the server works, and running, on average over the window (pg_stat_activity every 100 ms).");
  console.log(`other cpu %: busy CPU nothing in this run explains (of one core; ! = over ${NOISY_OTHER_PCT}%, a noisy point).\n`);
  const order = options.workloads;
  const sorted = [...report.runs].sort(
    (a, b) => order.indexOf(a.workload) - order.indexOf(b.workload) || a.concurrency - b.concurrency,
  );
  console.log(runsTable(sorted));
  const errors = sorted.filter((r) => r.load.failed > 0);
  if (errors.length > 0) {
    console.log("\nErrors:");
    for (const r of errors) console.log(`  ${WORKLOAD_NAMES[r.workload]} c=${r.concurrency}: ${JSON.stringify(r.load.errors)}`);
  }
  if (report.stockCost.length > 0) {
    console.log("\nWhat the stock (one shared row per reward, locked by every redemption) costs:\n");
    console.log(stockCostTable(report.stockCost));
  }
  if (report.rewardLockMs !== null) {
    console.log(
      `\nOne request at a time, a stocked redemption holds its reward's row for ${report.rewardLockMs.toFixed(2)} ms of SQL (lock to commit):`,
    );
    console.log(
      `one stocked reward takes at most about ${Math.round(1000 / report.rewardLockMs)} redemptions/s, whatever the cores.`,
    );
  }
  const pgbench = pgbenchSection(report);
  if (pgbench) console.log(pgbench);
  if (report.profile.length > 0) {
    console.log("\nOne request at a time, in process (app.request(), no sockets): where a request's time goes\n");
    console.log(profileTable({ postgres: report.profile }));
    console.log(
      `\nStatements of each request, in order, then ms per request by kind (a kind run twice adds up):\n${profileDetails(report.profile)}`,
    );
  }
  if (report.database) {
    const { xactCommit, xactRollback, deadlocks } = report.database;
    console.log(
      `\nThe run's database: ${xactCommit} transactions committed, ${xactRollback} rolled back (refusals and retries), ${deadlocks} deadlocks.`,
    );
  }
  if (report.vouchersIssued > 0) console.log(`Vouchers issued for the voucher points (set-up): ${report.vouchersIssued}.`);
  if (report.verify) {
    const failing = report.verify.checks.filter((c) => c.violations > 0).map((c) => `${c.name} ${c.violations}`);
    console.log(
      `stampbook verify --json: ${report.verify.ok ? "ok" : "FAILED"} (exit ${report.verify.exitCode}, ${report.verify.seconds} s, ${report.verify.checks.length} checks${failing.length ? `; violations: ${failing.join(", ")}` : ""})`,
    );
    if (report.verify.output) console.log(report.verify.output);
  }
  const stalled = report.runs.filter((r) => r.load.ok === 0);
  if (stalled.length > 0) {
    console.log(
      `Warning: no success at ${stalled.map((r) => `${WORKLOAD_NAMES[r.workload]} c=${r.concurrency}`).join(", ")}: requests did not finish in the window (see pg conns lock/txn/work).`,
    );
  }
  if ((report.database?.deadlocks ?? 0) > 0) {
    console.log(
      `Warning: ${report.database?.deadlocks} deadlocks in the run's database: the server retries them unseen, each after PostgreSQL's deadlock_timeout; two paths take their locks in different orders.`,
    );
  }
  console.log(closingLines(report.runs, "op", file));
}

runMain(USAGE, parseOptions, async (options) => {
  const run = await startRun("rewards", options);
  const report: RewardsReport = {
    ...run.header,
    pgbench: null,
    profile: [],
    runs: [],
    stockCost: [],
    rewardLockMs: null,
    vouchersIssued: 0,
    database: null,
    verify: null,
  };
  await measureRun(run, options, report, options.concurrency, () => benchRewards(options, run, report));
  compareWithPgbench(report.runs, report.pgbench, (r) => r.load.opsPerSecond);
  report.stockCost = stockCosts(report.runs);
  report.rewardLockMs = rewardLockMs(report.profile);

  printReport(report, options, writeReport(report, options, run.startedAt));
  if (report.verify && !report.verify.ok) {
    console.log("\nstampbook verify FAILED on the run's database (see above): the numbers above are not valid.");
    return 1;
  }
  return 0;
});
