import { spawn } from "node:child_process";
import pg from "pg";

/** A URL for database `name` on the same server as `serverUrl`. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

export async function createDatabase(serverUrl: string, name: string): Promise<void> {
  await withClient(serverUrl, (c) => c.query(`create database ${quoteIdent(name)}`));
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  // WITH (FORCE) ends connections a killed server may have left behind (PostgreSQL 13+).
  await withClient(serverUrl, (c) => c.query(`drop database if exists ${quoteIdent(name)} with (force)`));
}

export async function serverVersion(serverUrl: string): Promise<string> {
  return withClient(serverUrl, async (c) => {
    const result = await c.query<{ server_version: string }>("show server_version");
    return result.rows[0]?.server_version ?? "unknown";
  });
}

/** One query's rows (set-up and checks, not measured). */
export async function queryRows<T extends Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  return withClient(url, async (c) => (await c.query<T>(text, params)).rows);
}

export async function runSql(url: string, statements: string): Promise<void> {
  await withClient(url, (c) => c.query(statements));
}

/** Flushes dirty buffers so a checkpoint left over from the previous phase does not land in the next. */
export async function checkpoint(serverUrl: string): Promise<void> {
  await withClient(serverUrl, (c) => c.query("checkpoint"));
}

/**
 * Process ids of the backends serving `database`, plus the server's background processes
 * (WAL writer, checkpointer, ...), whose CPU is part of what a commit costs.
 */
export async function backendPids(serverUrl: string, database: string): Promise<number[]> {
  return withClient(serverUrl, async (c) => {
    const result = await c.query<{ pid: number }>(
      "select pid from pg_stat_activity where (datname = $1 or backend_type <> 'client backend') and pid <> pg_backend_pid()",
      [database],
    );
    return result.rows.map((row) => row.pid);
  });
}

export interface PgbenchResult {
  clients: number;
  threads: number;
  seconds: number;
  tps: number;
  latencyAvgMs: number | null;
  transactions: number | null;
  failed: number | null;
}

function pgEnv(serverUrl: string): NodeJS.ProcessEnv {
  const url = new URL(serverUrl);
  const env: NodeJS.ProcessEnv = { ...process.env, PGHOST: url.hostname, PGPORT: url.port || "5432" };
  if (url.username) env.PGUSER = decodeURIComponent(url.username);
  if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
  return env;
}

async function runTool(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onSpawn?: (pid: number) => void,
): Promise<string> {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid !== undefined) onSpawn?.(child.pid);
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (exitCode) => resolve(exitCode));
  });
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${code}:\n${output}`);
  return output;
}

export class Pgbench {
  constructor(
    private readonly serverUrl: string,
    private readonly database: string,
    private readonly binary = "pgbench",
  ) {}

  async version(): Promise<string> {
    return (await runTool(this.binary, ["--version"], process.env)).trim();
  }

  /** `pgbench -i -s <scale>`: the standard TPC-B tables, generated on the server side (faster). */
  async initialize(scale: number): Promise<void> {
    await runTool(this.binary, ["-i", "-s", String(scale), "-I", "dtGvp", "-q", this.database], pgEnv(this.serverUrl));
  }

  /** TPC-B for `seconds` with `clients` connections; at most 2 threads (the machine's cores). */
  async run(clients: number, seconds: number, onSpawn?: (pid: number) => void): Promise<PgbenchResult> {
    const threads = Math.min(2, clients);
    const output = await runTool(
      this.binary,
      ["-c", String(clients), "-j", String(threads), "-T", String(Math.max(1, Math.round(seconds))), this.database],
      pgEnv(this.serverUrl),
      onSpawn,
    );
    const tps = output.match(/^tps = ([\d.]+)/m)?.[1];
    if (tps === undefined) throw new Error(`could not read tps from pgbench output:\n${output}`);
    const number = (pattern: RegExp) => {
      const found = output.match(pattern)?.[1];
      return found === undefined ? null : Number(found);
    };
    return {
      clients,
      threads,
      seconds,
      tps: Number(tps),
      latencyAvgMs: number(/^latency average = ([\d.]+) ms/m),
      transactions: number(/^number of transactions actually processed: (\d+)/m),
      failed: number(/^number of failed transactions: (\d+)/m),
    };
  }
}
