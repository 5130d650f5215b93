import type { CpuSplit } from "../ledger/cpu.ts";
import type { LoadResult } from "../ledger/load.ts";
import type { Engine } from "../ledger/options.ts";
import type { MeasuredOperation } from "../ledger/profile.ts";
import type { CpuPerOp, PgbenchRounds, ReportHeader } from "../ledger/report.ts";
import { cpuWithLoadCell, fixed, otherCell, ratioCell, table } from "../ledger/report.ts";
import type { VerifyOutcome } from "../ledger/verify.ts";
import type { Check, ReplayResult } from "./cdnow.ts";

/** The issue's aims, in events per second over pgbench TPC-B tps at the same concurrency. */
export const TARGETS = { single: 0.5, batch: 10 } as const;

export interface IngestRun {
  engine: Engine;
  workload: "single" | "batch";
  /** Events per request: 1, or the batch size. */
  eventsPerRequest: number;
  members: number;
  /** Open lots (points left) per member when the point started: each purchase adds one. PostgreSQL only. */
  openLotsPerMember: number | null;
  concurrency: number;
  load: LoadResult;
  /** Accepted events per second: successful requests per second x events per request. */
  eventsPerSecond: number;
  cpu: CpuSplit | null;
  cpuMsPerEvent: CpuPerOp | null;
  pgbenchTps: number | null;
  ratio: number | null;
  target: number;
}

export interface CdnowRecord {
  engine: Engine;
  replay: ReplayResult;
  cpu: CpuSplit | null;
  cpuMsPerEvent: CpuPerOp | null;
  checks: Check[];
  verify: VerifyOutcome | null;
}

export interface IngestReport extends ReportHeader<"ingest"> {
  targets: typeof TARGETS;
  pgbench: PgbenchRounds | null;
  /** In process, one request at a time: statements and SQL/JS time per single event and per batch. */
  profiles: Partial<Record<Engine, MeasuredOperation[]>>;
  runs: IngestRun[];
  cdnow: CdnowRecord[];
}

export function runsTable(runs: IngestRun[]): string {
  const rows = runs.map((r) => [
    r.engine,
    r.workload === "single" ? "POST /v1/events" : `batch of ${r.eventsPerRequest}`,
    String(r.concurrency),
    fixed(r.openLotsPerMember),
    fixed(r.load.opsPerSecond),
    fixed(r.eventsPerSecond),
    fixed(r.load.latencyMs.p50, 1),
    fixed(r.load.latencyMs.p99, 1),
    String(r.load.failed),
    fixed(r.pgbenchTps),
    ratioCell(r.ratio),
    `${r.target}x${r.ratio === null ? "" : r.ratio >= r.target ? " met" : " not met"}`,
    cpuWithLoadCell(r.cpuMsPerEvent),
    otherCell(r.cpu),
  ]);
  return table(
    [
      "engine",
      "workload",
      "conc",
      "lots/member",
      "requests/s",
      "events/s",
      "p50 ms",
      "p99 ms",
      "errors",
      "pgbench tps",
      "ratio",
      "aim",
      "cpu ms/event node+pg+load",
      "other cpu %",
    ],
    rows,
    new Set([2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13]),
  );
}

export function cdnowTable(records: CdnowRecord[]): string {
  const rows = records.map((c) => [
    c.engine,
    String(c.replay.events),
    `${c.replay.lanes} x ${c.replay.batchSize}`,
    fixed(c.replay.wallSeconds),
    fixed(c.replay.eventsPerSecond),
    fixed(c.replay.batchLatencyMs.p50, 0),
    fixed(c.replay.batchLatencyMs.p99, 0),
    String(c.replay.accepted),
    String(c.replay.failed),
    String(c.replay.enrolled),
    String(c.replay.points),
    cpuWithLoadCell(c.cpuMsPerEvent),
    c.verify ? (c.verify.ok ? `ok (${fixed(c.verify.seconds)} s)` : "FAILED") : "-",
  ]);
  return table(
    [
      "engine",
      "events",
      "lanes x batch",
      "wall s",
      "events/s",
      "batch p50 ms",
      "batch p99 ms",
      "accepted",
      "failed",
      "enrolled",
      "points",
      "cpu ms/event node+pg+load",
      "verify",
    ],
    rows,
    new Set([1, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
  );
}

/** Per event: a batch's numbers divided by its size. */
export function profileTable(profiles: IngestReport["profiles"], batchSize: number): string {
  const rows = Object.entries(profiles).flatMap(([engine, list]) =>
    (list ?? []).map((p) => {
      const per = p.operation === "event" ? 1 : batchSize;
      return [
        engine,
        p.operation,
        fixed(p.statementsPerRequest),
        fixed(p.wallMsPerRequest, 2),
        fixed(p.statementsPerRequest / per, 3),
        fixed(p.wallMsPerRequest / per, 3),
        fixed(p.sqlMsPerRequest / per, 3),
        fixed(p.javascriptMsPerRequest / per, 3),
      ];
    }),
  );
  return table(
    ["engine", "request", "statements", "ms/request", "statements/event", "ms/event", "ms SQL/event", "ms JS/event"],
    rows,
    new Set([2, 3, 4, 5, 6, 7]),
  );
}

export function checksList(records: CdnowRecord[]): string {
  return records
    .flatMap((c) => [
      ...c.checks.map((k) => `${k.ok ? "ok  " : "FAIL"} ${c.engine} ${k.name}: ${k.detail}`),
      c.verify
        ? `${c.verify.ok ? "ok  " : "FAIL"} ${c.engine} stampbook verify --json: exit ${c.verify.exitCode}, ${c.verify.checks
            .map((k) => `${k.name} ${k.violations}`)
            .join(", ")}`
        : `-    ${c.engine} stampbook verify: not run`,
    ])
    .join("\n");
}

/** Each profiled request's statements, with the mean ms per request spent in each kind. */
export function statementBreakdown(profiles: IngestReport["profiles"]): string {
  return Object.entries(profiles)
    .flatMap(([engine, list]) =>
      (list ?? []).map(
        (p) =>
          `${engine} ${p.operation}: ${Object.entries(p.msByStatement)
            .sort((a, b) => b[1] - a[1])
            .map(([name, ms]) => `${name} ${ms.toFixed(2)} ms`)
            .join("; ")}`,
      ),
    )
    .join("\n");
}
