import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Cleanup } from "./cleanup.ts";
import { CpuSampler } from "./cpu.ts";
import type { Engine } from "./options.ts";
import { backendPids, createDatabase, databaseUrl, dropDatabase, runSql } from "./postgres.ts";
import { type ServerHandle, startServer } from "./server.ts";

export interface EngineOptions {
  postgresUrl: string;
  /** Server processes on PostgreSQL (PGlite: always one). */
  servers: number;
  poolSize?: number | undefined;
  setupSql?: string | undefined;
  /** Extra node flags for the servers, space separated (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"). */
  serverNodeOptions?: string | undefined;
}

export interface EngineSetup {
  servers: ServerHandle[];
  /** The fresh PostgreSQL database of this run (null on PGlite). */
  databaseName: string | null;
  databaseUrl: string | undefined;
  /** The PGlite data directory (undefined on PostgreSQL). */
  dataDir: string | undefined;
  /** Stops the servers and keeps the storage (e.g. to inspect it; a PGlite directory allows one process). */
  stopServers: () => Promise<void>;
  /** Stops the servers and removes the storage. Safe after stopServers. */
  teardown: () => Promise<void>;
}

/**
 * Fresh storage (a temp PGlite directory or a new PostgreSQL database named `stampbook_bench_<runId>`)
 * and the servers on it; both registered with `cleanup`.
 */
export async function startEngine(
  engine: Engine,
  options: EngineOptions,
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
      dataDir,
      stopServers: stop,
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
  const stopServers = async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
  return {
    servers,
    databaseName,
    databaseUrl: url,
    dataDir: undefined,
    stopServers,
    teardown: async () => {
      await stopServers();
      await drop();
    },
  };
}

/** A CPU sampler for the servers and the PostgreSQL processes serving their database (none on PGlite). */
export function serverSampler(setup: EngineSetup, postgresUrl: string): CpuSampler {
  const databaseName = setup.databaseName;
  return new CpuSampler(
    setup.servers.map((s) => s.pid),
    databaseName ? () => backendPids(postgresUrl, databaseName) : null,
  );
}
