import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { PgbenchBaseline } from "./baseline.ts";
import { Cleanup } from "./cleanup.ts";
import { machineBusyPct } from "./cpu.ts";
import { type Engine, UsageError } from "./options.ts";
import { serverVersion } from "./postgres.ts";
import { type BaselineReport, NOISY_OTHER_PCT, type ReportHeader } from "./report.ts";
import { REPO_ROOT } from "./server.ts";

/** Run-level helpers every benchmark shares: what was measured, names, and Ctrl-C. */

export const log = (message: string) => process.stderr.write(`${message}\n`);

/** The commit measured, and whether src/ had uncommitted changes (a shared working tree moves). */
export function sourceVersion(): { commit: string | null; srcModified: boolean | null } {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" }).trim();
  try {
    return { commit: git("rev-parse", "HEAD"), srcModified: git("status", "--porcelain", "--", "src").length > 0 };
  } catch {
    return { commit: null, srcModified: null };
  }
}

/** An ISO time usable in a file name. */
export function stamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, "-");
}

/** A short id for the run's databases: `20261123_021500_<pid>`. */
export function runIdOf(startedAt: Date): string {
  return `${stamp(startedAt).slice(0, 19).replace(/-/g, "").replace("T", "_")}_${process.pid}`;
}

export function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}

export async function postgresReachable(url: string): Promise<string | null> {
  try {
    return await serverVersion(url);
  } catch (error) {
    log(`PostgreSQL at ${redact(url)} is not reachable: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

/**
 * On Ctrl-C (or SIGTERM), undo everything registered with `cleanup`, then exit 130. `stopping`
 * runs first: a long phase (a replay) stops sending, so the servers have nothing left to finish.
 */
export function cleanUpOnSignals(cleanup: Cleanup, stopping?: () => void): void {
  const onSignal = (signal: NodeJS.Signals) => {
    log(`\n${signal}: stopping servers and dropping databases`);
    stopping?.();
    void cleanup.runAll().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
}

/** What every benchmark report starts with: what ran, on which source, on which machine. */
export async function reportHeader<B extends string>(
  benchmark: B,
  options: RunOptions,
  startedAt: Date,
): Promise<ReportHeader<B>> {
  return {
    benchmark,
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
  };
}

/** The options every benchmark's run uses (options.ts parseBenchOptions). */
export interface RunOptions {
  label?: string | undefined;
  postgresUrl: string;
  pgbench: boolean;
  pgbenchScale: number;
  duration: number;
  warmup: number;
  out: string;
  /** Absent: PostgreSQL only. */
  engines?: readonly Engine[];
}

/** A started run: when, the id its databases are named by, and what to undo at the end (also on Ctrl-C). */
export interface Run<B extends string> {
  startedAt: Date;
  runId: string;
  cleanup: Cleanup;
  /** The start of its report. */
  header: ReportHeader<B>;
}

/**
 * A benchmark's entry point: its options from the command line (the usage for -h), then `main`;
 * exits with main's code, 2 with the usage on a bad flag, 1 with the stack on any other error.
 */
export function runMain<O>(
  usage: string,
  parseOptions: (argv: string[], env: NodeJS.ProcessEnv) => O | "help",
  main: (options: O) => Promise<number>,
): void {
  const run = async () => {
    const options = parseOptions(process.argv.slice(2), process.env);
    if (options === "help") {
      console.log(usage);
      return 0;
    }
    return main(options);
  };
  run().then(
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
}

/** Starts a run: cleanup on Ctrl-C (`stopping` first, see cleanUpOnSignals), the report's header, a warning when the machine is busy. */
export async function startRun<B extends string>(benchmark: B, options: RunOptions, stopping?: () => void): Promise<Run<B>> {
  const cleanup = new Cleanup();
  cleanUpOnSignals(cleanup, stopping);
  const startedAt = new Date();
  const runId = runIdOf(startedAt);
  const header = await reportHeader(benchmark, options, startedAt);
  if (header.machine.busyBeforePct > NOISY_OTHER_PCT) {
    log(`warning: the machine is already ${header.machine.busyBeforePct}% busy (of one core) before the run`);
  }
  return { startedAt, runId, cleanup, header };
}

/**
 * The measured part of a run: PostgreSQL looked up, `measure` between two rounds of pgbench's
 * TPC-B at `pgbenchAt` (baseline.ts: none when null, with --no-pgbench or without PostgreSQL),
 * then everything registered with the run's cleanup undone, whatever happened.
 */
export async function measureRun(
  run: Run<string>,
  options: RunOptions,
  report: BaselineReport,
  pgbenchAt: number[] | null,
  measure: () => Promise<void>,
): Promise<void> {
  try {
    await checkPostgres(options, report);
    let baseline: PgbenchBaseline | null = null;
    if (options.pgbench && pgbenchAt && report.machine.postgres !== null) {
      const name = `stampbook_bench_${run.runId}_pgbench`;
      baseline = await PgbenchBaseline.create(options.postgresUrl, name, options.pgbenchScale, run.cleanup, log);
      report.machine.pgbench = baseline.version;
      const before = await baseline.measure(pgbenchAt, options.duration, options.warmup, log);
      report.pgbench = { scale: options.pgbenchScale, before, after: [] };
    }
    await measure();
    if (baseline && pgbenchAt && report.pgbench) {
      log(`pgbench: second round, after the ${report.benchmark} runs`);
      report.pgbench.after = await baseline.measure(pgbenchAt, options.duration, options.warmup, log);
    }
  } finally {
    await run.cleanup.runAll();
  }
  report.finishedAt = new Date().toISOString();
}

/**
 * Records the PostgreSQL server's version (null when unreachable, logged). A run on PostgreSQL
 * fails without it; one on PGlite only (--engines pglite) looks only for the pgbench baseline.
 */
async function checkPostgres(options: RunOptions, report: ReportHeader<string>): Promise<void> {
  if (!options.engines) {
    report.machine.postgres = await postgresReachable(options.postgresUrl);
    if (report.machine.postgres === null) {
      throw new Error("PostgreSQL is needed; set --postgres-url or BENCH_DATABASE_URL");
    }
    return;
  }
  const needsPostgres = options.engines.includes("postgres");
  if (needsPostgres || options.pgbench) {
    report.machine.postgres = await postgresReachable(options.postgresUrl);
    if (report.machine.postgres === null && needsPostgres) {
      throw new Error("PostgreSQL is needed for --engines postgres; set --postgres-url or BENCH_DATABASE_URL");
    }
  }
}

/** Writes the report to `<out>/<benchmark>-<start>.json` and returns the file. */
export function writeReport(report: ReportHeader<string>, options: RunOptions, startedAt: Date): string {
  const outDir = resolve(process.cwd(), options.out);
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${report.benchmark}-${stamp(startedAt)}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
