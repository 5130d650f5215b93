import { relative } from "node:path";
import type { CpuSplit } from "./cpu.ts";
import type { LoadResult } from "./load.ts";
import type { Engine, Workload } from "./options.ts";
import type { PgbenchResult } from "./postgres.ts";
import type { OperationProfile } from "./profile.ts";

/** CPU milliseconds one operation cost, by process: steadier than ops/s when other work shares the machine. */
export interface CpuPerOp {
  server: number;
  postgres: number | null;
  loadGenerator: number;
}

export interface RunRecord {
  engine: Engine;
  workload: Workload;
  /** spread: requests over all members; hot: every request on one member. */
  target: "spread" | "hot";
  members: number;
  concurrency: number;
  servers: number;
  poolSize: number | null;
  load: LoadResult;
  cpu: CpuSplit | null;
  cpuMsPerOp: CpuPerOp | null;
  /** pgbench TPC-B tps at the same concurrency (mean of the rounds before and after), and ops/s divided by it. */
  pgbenchTps: number | null;
  ratio: number | null;
}

export interface PgbenchRun extends PgbenchResult {
  /** serverPct is pgbench itself here. */
  cpu: CpuSplit | null;
}

/** The baseline's two rounds, before and after the measured runs. */
export interface PgbenchRounds {
  scale: number;
  before: PgbenchRun[];
  after: PgbenchRun[];
}

/** What every benchmark's JSON starts with (run.ts reportHeader). */
export interface ReportHeader<B extends string> {
  benchmark: B;
  label: string | null;
  startedAt: string;
  finishedAt: string;
  /** The commit measured; srcModified: src/ had uncommitted changes when the run started. */
  source: { commit: string | null; srcModified: boolean | null };
  options: Record<string, unknown>;
  machine: {
    cores: number;
    node: string;
    postgres: string | null;
    pgbench: string | null;
    /** Busy CPU (percent of one core) in the second before the run: other work skews results. */
    busyBeforePct: number;
  };
}

/** A report with a pgbench baseline (run.ts measureRun). */
export interface BaselineReport extends ReportHeader<string> {
  pgbench: PgbenchRounds | null;
}

/** A measured point as the pgbench comparison sees it. */
export interface ComparedRun {
  concurrency: number;
  cpu: CpuSplit | null;
  /** pgbench TPC-B tps at the same concurrency (mean of the rounds before and after), and the point's rate divided by it. */
  pgbenchTps: number | null;
  ratio: number | null;
}

export interface BenchReport extends ReportHeader<"ledger"> {
  /** The aim from the issue: at equal concurrency, at least this fraction of pgbench's tps. */
  target: number;
  pgbench: PgbenchRounds | null;
  profiles: Partial<Record<Engine, OperationProfile[]>>;
  runs: RunRecord[];
}

export const TARGET_RATIO = 0.8;
/** A point where other work took more than this share of a core is marked as noisy. */
export const NOISY_OTHER_PCT = 25;

const WORKLOAD_NAMES: Record<Workload, string> = {
  adjust: "adjustment",
  "hold-capture": "hold+capture",
  "http-floor": "GET /healthz",
  "sql-floor": "GET /readyz",
};

export function cpuPerOp(cpu: CpuSplit | null, opsPerSecond: number): CpuPerOp | null {
  if (!cpu || opsPerSecond <= 0) return null;
  const ms = (pct: number) => Math.round((pct / 100 / opsPerSecond) * 1000 * 1000) / 1000;
  return {
    server: ms(cpu.serverPct),
    postgres: cpu.postgresPct === null ? null : ms(cpu.postgresPct),
    loadGenerator: ms(cpu.loadGeneratorPct),
  };
}

/** pgbench tps at each client count: the mean of the rounds that measured it. */
export function baselineTps(pgbench: PgbenchRounds | null): Map<number, number> {
  const sums = new Map<number, { total: number; count: number }>();
  for (const run of [...(pgbench?.before ?? []), ...(pgbench?.after ?? [])]) {
    const sum = sums.get(run.clients) ?? { total: 0, count: 0 };
    sums.set(run.clients, { total: sum.total + run.tps, count: sum.count + 1 });
  }
  return new Map([...sums].map(([clients, { total, count }]) => [clients, total / count]));
}

/**
 * Sets each run's pgbench tps at its concurrency and `rate(run)` divided by it; runs whose rate
 * is null are not compared.
 */
export function compareWithPgbench<R extends ComparedRun>(
  runs: R[],
  pgbench: PgbenchRounds | null,
  rate: (run: R) => number | null,
): void {
  const tps = baselineTps(pgbench);
  for (const run of runs) {
    const value = rate(run);
    if (value === null) continue;
    run.pgbenchTps = tps.get(run.concurrency) ?? null;
    run.ratio = run.pgbenchTps ? Math.round((value / run.pgbenchTps) * 1000) / 1000 : null;
  }
}

/** A plain-text table; `rightAligned` lists the numeric columns. */
export function table(header: string[], rows: string[][], rightAligned: Set<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export const fixed = (n: number | null | undefined, digits = 1) => (n === null || n === undefined ? "-" : n.toFixed(digits));

/** Other work's CPU share during a point, marked `!` when it was enough to skew the point. */
export function otherCell(cpu: CpuSplit | null): string {
  if (!cpu) return "-";
  return `${Math.round(cpu.otherPct)}${cpu.otherPct > NOISY_OTHER_PCT ? "!" : ""}`;
}

/** CPU ms per op (or event) of the server + PostgreSQL + the load generator. */
export const cpuWithLoadCell = (c: CpuPerOp | null) =>
  c ? `${fixed(c.server, 2)}+${c.postgres === null ? "-" : fixed(c.postgres, 2)}+${fixed(c.loadGenerator, 2)}` : "-";

/** The first line of every printed report: the commit measured. */
export function measuredLine({ commit, srcModified }: ReportHeader<string>["source"]): string {
  return `\nMeasured: commit ${commit?.slice(0, 10) ?? "unknown"}${srcModified ? " with uncommitted changes in src/" : ""}.`;
}

/** The pgbench rounds with their heading, or null without a baseline. */
export function pgbenchSection(report: BaselineReport): string | null {
  if (!report.pgbench) return null;
  return `\npgbench TPC-B, scale ${report.pgbench.scale}, before and after the ${report.benchmark} runs (${report.machine.pgbench})\n\n${pgbenchTable(report.pgbench)}`;
}

/** The end of every printed report: a warning if points shared the CPU with other work, and where the JSON is. */
export function closingLines(runs: ComparedRun[], unit: "op" | "event", file: string): string {
  const noisy = runs.filter((r) => (r.cpu?.otherPct ?? 0) > NOISY_OTHER_PCT).length;
  const warning = `Warning: ${noisy} of ${runs.length} points shared the CPU with other work; compare cpu ms/${unit}, or rerun.\n`;
  return `${noisy > 0 ? warning : ""}\nFull results: ${relative(process.cwd(), file)}`;
}

/** A point's ratio to pgbench, `-` without one. */
export const ratioCell = (ratio: number | null) => (ratio === null ? "-" : `${ratio.toFixed(2)}x`);

/** The columns of every ops/s table: throughput, latency, errors and the comparison with pgbench (loadCells). */
export const LOAD_COLUMNS = ["ops/s", "p50 ms", "p99 ms", "errors", "pgbench tps", "ratio"];

/** The LOAD_COLUMNS cells of a point. */
export function loadCells(run: { load: LoadResult; pgbenchTps: number | null; ratio: number | null }): string[] {
  return [
    fixed(run.load.opsPerSecond),
    fixed(run.load.latencyMs.p50, 2),
    fixed(run.load.latencyMs.p99, 2),
    String(run.load.failed),
    fixed(run.pgbenchTps),
    ratioCell(run.ratio),
  ];
}

export function resultsTable(runs: RunRecord[]): string {
  const header = ["engine", "workload", "members", "conc", ...LOAD_COLUMNS, "cpu ms/op node+pg", "other cpu %"];
  const rows = runs.map((r) => [
    r.servers > 1 ? `${r.engine} x${r.servers}` : r.engine,
    WORKLOAD_NAMES[r.workload],
    r.target === "hot" ? "1 (hot)" : String(r.members),
    String(r.concurrency),
    ...loadCells(r),
    r.cpuMsPerOp
      ? `${fixed(r.cpuMsPerOp.server, 2)}+${r.cpuMsPerOp.postgres === null ? "-" : fixed(r.cpuMsPerOp.postgres, 2)}`
      : "-",
    otherCell(r.cpu),
  ]);
  return table(header, rows, new Set([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]));
}

export function pgbenchTable(pgbench: PgbenchRounds): string {
  const rows = pgbench.before.map((before) => {
    const after = pgbench.after.find((r) => r.clients === before.clients);
    const perTxn = (run: PgbenchRun) => cpuPerOp(run.cpu, run.tps);
    const cost = perTxn(before);
    return [
      String(before.clients),
      String(before.threads),
      fixed(before.tps),
      fixed(after?.tps),
      after ? `${(((after.tps - before.tps) / before.tps) * 100).toFixed(0)}%` : "-",
      fixed(before.latencyAvgMs, 2),
      String((before.failed ?? 0) + (after?.failed ?? 0)),
      cost ? `${fixed(cost.server, 2)}+${fixed(cost.postgres, 2)}` : "-",
      otherCell(before.cpu),
    ];
  });
  return table(
    [
      "clients",
      "threads",
      "tps before",
      "tps after",
      "drift",
      "latency avg ms",
      "failed",
      "cpu ms/txn pgbench+pg",
      "other cpu %",
    ],
    rows,
    new Set([0, 1, 2, 3, 4, 5, 6, 7, 8]),
  );
}

export function profileTable(profiles: Partial<Record<Engine, OperationProfile[]>>): string {
  const rows = Object.entries(profiles).flatMap(([engine, list]) =>
    (list ?? []).map((p) => [
      engine,
      p.operation,
      fixed(p.statementsPerRequest),
      fixed(p.wallMsPerRequest, 2),
      fixed(p.sqlMsPerRequest, 2),
      fixed(p.javascriptMsPerRequest, 2),
    ]),
  );
  return table(["engine", "request", "SQL statements", "ms/request", "ms in SQL", "ms in JS"], rows, new Set([2, 3, 4, 5]));
}

export function errorSummary(runs: RunRecord[]): string[] {
  return runs
    .filter((r) => r.load.failed > 0)
    .map((r) => {
      const kinds = Object.entries(r.load.errors)
        .map(([label, count]) => `${label}: ${count}`)
        .join(", ");
      return `${r.engine} ${WORKLOAD_NAMES[r.workload]} ${r.target} c=${r.concurrency}: ${kinds}`;
    });
}
