import type { Cleanup } from "./cleanup.ts";
import { CpuSampler, type CpuSplit } from "./cpu.ts";
import { backendPids, checkpoint, createDatabase, dropDatabase, Pgbench } from "./postgres.ts";
import type { PgbenchRun } from "./report.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * pgbench's TPC-B on the same PostgreSQL server, in its own fresh database (dropped by the
 * cleanup). Measured before and after the ledger runs: on a shared machine the two rounds
 * show how much the conditions drifted, and their mean is what the ratios divide by.
 */
export class PgbenchBaseline {
  readonly #pgbench: Pgbench;

  private constructor(
    private readonly serverUrl: string,
    private readonly database: string,
    readonly version: string,
  ) {
    this.#pgbench = new Pgbench(serverUrl, database);
  }

  static async create(
    serverUrl: string,
    database: string,
    scale: number,
    cleanup: Cleanup,
    log: (message: string) => void,
  ): Promise<PgbenchBaseline> {
    const version = await new Pgbench(serverUrl, database).version();
    await createDatabase(serverUrl, database);
    cleanup.add(`drop database ${database}`, () => dropDatabase(serverUrl, database));
    const baseline = new PgbenchBaseline(serverUrl, database, version);
    log(`pgbench: initializing scale ${scale} in ${database}`);
    await baseline.#pgbench.initialize(scale);
    return baseline;
  }

  /** One round: TPC-B at each concurrency for `seconds`, after a warm-up at the largest. */
  async measure(
    concurrencies: number[],
    seconds: number,
    warmupSeconds: number,
    log: (message: string) => void,
  ): Promise<PgbenchRun[]> {
    if (warmupSeconds > 0) await this.#pgbench.run(Math.max(...concurrencies), Math.max(1, warmupSeconds));
    const runs: PgbenchRun[] = [];
    for (const clients of concurrencies) {
      await checkpoint(this.serverUrl);
      let sampled: Promise<CpuSplit | null> = Promise.resolve(null);
      const result = await this.#pgbench.run(clients, seconds, (pid) => {
        sampled = this.#sample(pid, seconds);
      });
      const cpu = await sampled;
      log(`pgbench c=${clients}: ${result.tps.toFixed(1)} tps, latency avg ${result.latencyAvgMs ?? "?"} ms`);
      runs.push({ ...result, cpu });
    }
    return runs;
  }

  /** CPU of pgbench and its backends over the middle of a run (after connecting, before it ends). */
  async #sample(pid: number, seconds: number): Promise<CpuSplit> {
    const durationMs = seconds * 1000;
    const lead = Math.min(1000, durationMs * 0.2);
    await sleep(lead);
    const sampler = new CpuSampler([pid], () => backendPids(this.serverUrl, this.database));
    await sampler.start();
    await sleep(durationMs - lead - Math.min(500, durationMs * 0.1));
    return sampler.stop();
  }
}
