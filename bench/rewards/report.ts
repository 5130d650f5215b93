import type { CpuSplit } from "../ledger/cpu.ts";
import type { LoadResult } from "../ledger/load.ts";
import type { MeasuredOperation } from "../ledger/profile.ts";
import type { CpuPerOp, PgbenchRounds, ReportHeader } from "../ledger/report.ts";
import { cpuWithLoadCell, fixed, LOAD_COLUMNS, loadCells, otherCell, table } from "../ledger/report.ts";
import type { VerifyOutcome } from "../ledger/verify.ts";
import type { RewardsWorkload } from "./options.ts";
import type { WaitSplit } from "./waits.ts";

export const WORKLOAD_NAMES: Record<RewardsWorkload, string> = {
  redeem: "redeem, unlimited",
  "redeem-stocked": "redeem, stocked",
  "reserve-confirm": "reserve+confirm",
  "voucher-check": "check voucher",
  "voucher-use": "use voucher",
  payment: "pay with points",
};

/** HTTP requests per op: a reserve+confirm pair is two. */
export const REQUESTS_PER_OP: Record<RewardsWorkload, number> = {
  redeem: 1,
  "redeem-stocked": 1,
  "reserve-confirm": 2,
  "voucher-check": 1,
  "voucher-use": 1,
  payment: 1,
};

export interface RewardsRun {
  workload: RewardsWorkload;
  concurrency: number;
  members: number;
  /**
   * Rows the point's requests read more of as the run goes on, when it started: the reward's
   * redemptions (redemption workloads) or the programme's vouchers (voucher workloads).
   */
  historyBefore: number | null;
  load: LoadResult;
  cpu: CpuSplit | null;
  cpuMsPerOp: CpuPerOp | null;
  /** The run's PostgreSQL connections during the window: lock waits show a hot row's queue. */
  waits: WaitSplit | null;
  /** pgbench TPC-B tps at the same concurrency (mean of the rounds before and after), and ops/s divided by it. */
  pgbenchTps: number | null;
  ratio: number | null;
}

/** What a stock costs: the stocked reward's point against the unlimited one's at the same concurrency. */
export interface StockCost {
  concurrency: number;
  unlimitedOpsPerSecond: number;
  stockedOpsPerSecond: number;
  /** stocked / unlimited ops/s - 1, in percent (negative: the stock costs throughput). */
  throughputChangePct: number;
  unlimitedP50Ms: number;
  stockedP50Ms: number;
  /** Server + PostgreSQL CPU ms per op, unlimited and stocked. */
  unlimitedCpuMs: number | null;
  stockedCpuMs: number | null;
  /** Mean connections waiting for a lock during the stocked point (the reward row's queue). */
  stockedLockWaits: number | null;
}

/** Transactions the run's database committed and rolled back, and deadlocks, over the whole run. */
export interface DatabaseCounters {
  xactCommit: number;
  xactRollback: number;
  deadlocks: number;
}

export interface RewardsReport extends ReportHeader<"rewards"> {
  pgbench: PgbenchRounds | null;
  /** In process, one request at a time: statements and SQL/JS time per request. */
  profile: MeasuredOperation[];
  runs: RewardsRun[];
  stockCost: StockCost[];
  /** rewardLockMs of the profile: the stocked reward's row lock per redemption, one at a time. */
  rewardLockMs: number | null;
  /** Vouchers issued for the voucher workloads (set-up redemptions of 100 units, not measured). */
  vouchersIssued: number;
  database: DatabaseCounters | null;
  verify: VerifyOutcome | null;
}

const waitsCell = (w: WaitSplit | null) =>
  w ? `${fixed(w.lock, 1)}/${fixed(w.idleInTransaction, 1)}/${fixed(w.working, 1)}` : "-";

/** Server + PostgreSQL CPU ms per op. */
export const nodePlusPg = (c: CpuPerOp | null) =>
  c && c.postgres !== null ? Math.round((c.server + c.postgres) * 1000) / 1000 : null;

export function runsTable(runs: RewardsRun[]): string {
  const rows = runs.map((r) => [
    WORKLOAD_NAMES[r.workload],
    String(r.concurrency),
    r.historyBefore === null ? "-" : String(r.historyBefore),
    ...loadCells(r),
    cpuWithLoadCell(r.cpuMsPerOp),
    waitsCell(r.waits),
    otherCell(r.cpu),
  ]);
  return table(
    ["workload", "conc", "history", ...LOAD_COLUMNS, "cpu ms/op node+pg+load", "pg conns lock/txn/work", "other cpu %"],
    rows,
    new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
  );
}

export function stockCosts(runs: RewardsRun[]): StockCost[] {
  return runs
    .filter((r) => r.workload === "redeem")
    .flatMap((unlimited) => {
      const stocked = runs.find((r) => r.workload === "redeem-stocked" && r.concurrency === unlimited.concurrency);
      if (!stocked || unlimited.load.opsPerSecond <= 0) return [];
      return [
        {
          concurrency: unlimited.concurrency,
          unlimitedOpsPerSecond: unlimited.load.opsPerSecond,
          stockedOpsPerSecond: stocked.load.opsPerSecond,
          throughputChangePct: Math.round((stocked.load.opsPerSecond / unlimited.load.opsPerSecond - 1) * 1000) / 10,
          unlimitedP50Ms: unlimited.load.latencyMs.p50,
          stockedP50Ms: stocked.load.latencyMs.p50,
          unlimitedCpuMs: nodePlusPg(unlimited.cpuMsPerOp),
          stockedCpuMs: nodePlusPg(stocked.cpuMsPerOp),
          stockedLockWaits: stocked.waits?.lock ?? null,
        },
      ];
    });
}

export function stockCostTable(costs: StockCost[]): string {
  const rows = costs.map((c) => [
    String(c.concurrency),
    fixed(c.unlimitedOpsPerSecond),
    fixed(c.stockedOpsPerSecond),
    `${c.throughputChangePct > 0 ? "+" : ""}${c.throughputChangePct.toFixed(1)}%`,
    `${fixed(c.unlimitedP50Ms, 2)} -> ${fixed(c.stockedP50Ms, 2)}`,
    `${fixed(c.unlimitedCpuMs, 2)} -> ${fixed(c.stockedCpuMs, 2)}`,
    fixed(c.stockedLockWaits, 2),
  ]);
  return table(
    ["conc", "unlimited ops/s", "stocked ops/s", "change", "p50 ms", "cpu ms/op node+pg", "stocked: conns waiting for the row"],
    rows,
    new Set([0, 1, 2, 3, 4, 5, 6]),
  );
}

/**
 * How long a stocked redemption holds its reward's row lock, one request at a time: the SQL time
 * of its statements from the first that locks the row (`update rewards` or a locking select) to `commit` (JavaScript between them left
 * out, so a lower bound). Every redemption of that reward waits for it: 1000 / this is the most
 * redemptions per second one stocked reward can take, on any number of cores.
 */
export function rewardLockMs(profile: MeasuredOperation[]): number | null {
  const stocked = profile.find((p) => p.operation === "redeem stocked");
  // The first statement that takes the row against other redemptions (FOR KEY SHARE does not).
  const from =
    stocked?.statements.findIndex((kind) =>
      ["select rewards for update", "select rewards for no key update", "update rewards"].includes(kind),
    ) ?? -1;
  if (!stocked || from < 0) return null;
  const held = new Set(stocked.statements.slice(from));
  const ms = [...held].reduce((sum, kind) => sum + (stocked.msByStatement[kind] ?? 0), 0);
  return Math.round(ms * 100) / 100;
}

/** Each profiled request's statements in order, then its time by statement kind. */
export function profileDetails(profile: MeasuredOperation[]): string {
  return profile
    .map((p) => {
      const byTime = Object.entries(p.msByStatement)
        .sort((a, b) => b[1] - a[1])
        .map(([name, ms]) => `${name} ${ms.toFixed(2)}`)
        .join("; ");
      return `${p.operation} (${p.statements.length}): ${p.statements.join(" | ")}\n  ms by statement: ${byTime}`;
    })
    .join("\n");
}
