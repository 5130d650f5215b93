import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface ServerHandle {
  origin: string;
  pid: number;
  /** The last lines the server printed, for error messages. */
  logTail(): string;
  /** SIGTERM, then SIGKILL if it has not exited within the grace period. Safe to call twice. */
  stop(): Promise<void>;
}

export interface ServerSpec {
  rootKey: string;
  database: { engine: "pglite"; dataDir: string } | { engine: "postgres"; url: string };
  poolSize?: number;
  /** Extra `node` flags, e.g. --cpu-prof for profiling the server under load. */
  nodeOptions?: string[];
  readyTimeoutMs?: number;
}

const READY_POLL_MS = 100;
const STOP_GRACE_MS = 10_000;
const TAIL_LINES = 40;

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, "127.0.0.1");
  await once(probe, "listening");
  const address = probe.address();
  probe.close();
  if (address === null || typeof address === "string") throw new Error("could not find a free port");
  return address.port;
}

function serverEnv(spec: ServerSpec, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    STAMPBOOK_ROOT_KEY: spec.rootKey,
    // Every request logs at info; a benchmark of the ledger should not measure the logger.
    LOG_LEVEL: "warn",
    // Scheduled jobs would add work unrelated to the requests measured.
    STAMPBOOK_JOBS_INTERVAL_SECONDS: "0",
  };
  delete env.DATABASE_URL;
  delete env.STAMPBOOK_DATA_DIR;
  delete env.DATABASE_POOL_SIZE;
  if (spec.database.engine === "postgres") env.DATABASE_URL = spec.database.url;
  else env.STAMPBOOK_DATA_DIR = spec.database.dataDir;
  if (spec.poolSize !== undefined) env.DATABASE_POOL_SIZE = String(spec.poolSize);
  return env;
}

/** Starts `stampbook serve` as a child process and waits until GET /readyz answers 200. */
export async function startServer(spec: ServerSpec): Promise<ServerHandle> {
  const port = await freePort();
  const child = spawn(process.execPath, [...(spec.nodeOptions ?? []), "bin/stampbook.js", "serve"], {
    cwd: REPO_ROOT,
    env: serverEnv(spec, port),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let spawnError: Error | undefined;
  child.on("error", (error) => {
    spawnError = error;
  });
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const handle: ServerHandle = {
    origin: `http://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    logTail: () => tail.join("\n"),
    stop: () => stopChild(child, exited),
  };
  try {
    await waitReady(handle.origin, child, () => spawnError, spec.readyTimeoutMs ?? 60_000);
  } catch (error) {
    await handle.stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- server output ---\n${handle.logTail()}`);
  }
  return handle;
}

async function waitReady(
  origin: string,
  child: ChildProcess,
  spawnError: () => Error | undefined,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const failed = spawnError();
    if (failed) throw new Error(`could not start the server: ${failed.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited before it was ready (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    try {
      const response = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  throw new Error(`server was not ready within ${timeoutMs} ms`);
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.pid === undefined) return;
  if (child.exitCode !== null || child.signalCode !== null) {
    await exited;
    return;
  }
  child.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), STOP_GRACE_MS);
  });
  const outcome = await Promise.race([exited, graceOver]);
  clearTimeout(timer);
  if (outcome === "timeout" && child.exitCode === null && child.signalCode === null) {
    child.kill("SIGKILL");
    await exited;
  }
}
