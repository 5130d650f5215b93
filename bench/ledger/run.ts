import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import type { Cleanup } from "./cleanup.ts";
import { machineBusyPct } from "./cpu.ts";
import { serverVersion } from "./postgres.ts";
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
export async function reportHeader<B extends string, O extends { label?: string | undefined; postgresUrl: string }>(
  benchmark: B,
  options: O,
  startedAt: Date,
) {
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
      postgres: null as string | null,
      pgbench: null as string | null,
      busyBeforePct: await machineBusyPct(1000),
    },
  };
}
