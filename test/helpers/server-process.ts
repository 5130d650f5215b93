/**
 * Real Stampbook server processes for tests and benchmarks: `node bin/stampbook.js serve` on a
 * free port, ready once `/readyz` answers 200 (polled up to a deadline), with its output kept
 * for failure messages. Imports nothing from Vitest, so `bench/` can use it too.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Json } from "./test-app.ts";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = join(REPO_ROOT, "bin", "stampbook.js");

/** Settings a parent's environment must not leak into a child: each server gets exactly what a test names. */
const STAMPBOOK_ENV = [
  "PORT",
  "HOST",
  "STAMPBOOK_DATA_DIR",
  "DATABASE_URL",
  "DATABASE_POOL_SIZE",
  "STAMPBOOK_ROOT_KEY",
  "STAMPBOOK_SECRET_KEY",
  "LOG_LEVEL",
  "STAMPBOOK_JOBS_INTERVAL_SECONDS",
  "STAMPBOOK_IDEMPOTENCY_RETENTION_DAYS",
  "STAMPBOOK_BODY_LIMIT_BYTES",
  "STAMPBOOK_DEMO",
  "SMTP_URL",
  "STAMPBOOK_MAIL_FROM",
  "STAMPBOOK_PUBLIC_URL",
];

export type ChildEnv = Record<string, string | undefined>;

function childEnv(overrides: ChildEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of STAMPBOOK_ENV) delete env[name];
  // Servers on one PostgreSQL database share one secret key, as the README asks of a fleet (and
  // none writes a key file into the working directory's default data directory).
  if (overrides.DATABASE_URL && !overrides.STAMPBOOK_DATA_DIR)
    env.STAMPBOOK_SECRET_KEY = "the secret key of the test servers, 32+ chars";
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** The last `limit` characters a process wrote, both streams interleaved as they came. */
class OutputTail {
  #text = "";
  constructor(private readonly limit = 64 * 1024) {}
  append(chunk: string) {
    this.#text += chunk;
    if (this.#text.length > this.limit) this.#text = this.#text.slice(-this.limit);
  }
  toString() {
    return this.#text;
  }
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function exitOf(child: ChildProcess): Promise<ExitInfo> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A port nobody listens on right now (another process may still take it first: startServer retries). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

export interface ServerProcess {
  readonly label: string;
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Settles when the process is gone, however it went. */
  readonly exited: Promise<ExitInfo>;
  /** Null while it runs. */
  exitInfo(): ExitInfo | null;
  /** What it printed (stdout and stderr, the last 64 KiB). */
  output(): string;
  /** SIGTERM (the server drains and closes its database), then SIGKILL if it is not gone in `graceMs`. */
  stop(graceMs?: number): Promise<ExitInfo>;
  /** SIGKILL now, as a crash would: no shutdown code runs. */
  kill(): Promise<ExitInfo>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Whatever happens to the test run, no server outlives it. */
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of live) child.kill("SIGKILL");
  });
}

export interface StartServerOptions {
  /** Environment of the server on top of the parent's (Stampbook's own variables removed); undefined unsets. */
  env?: ChildEnv;
  /** A fixed port; by default a free one (retried if another process takes it first). */
  port?: number;
  /** How long to wait for `/readyz` to answer 200. */
  readyTimeoutMs?: number;
  /** Names the process in failure messages. */
  label?: string;
}

/**
 * Spawns `stampbook serve` and resolves once it is ready. Defaults that suit tests: listen on
 * 127.0.0.1, log warnings only, no in-server job scheduler (tests run jobs on purpose).
 */
export async function startServer(options: StartServerOptions = {}): Promise<ServerProcess> {
  const attempts = options.port === undefined ? 3 : 1;
  let lastError: Error | null = null;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await spawnServer(port, options);
    } catch (error) {
      lastError = error instanceof Error ? error : new Error(String(error));
      if (!/EADDRINUSE/.test(lastError.message)) throw lastError;
    }
  }
  throw lastError ?? new Error("startServer: no attempt made");
}

async function spawnServer(port: number, options: StartServerOptions): Promise<ServerProcess> {
  const label = options.label ?? `stampbook:${port}`;
  const env = childEnv({
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    STAMPBOOK_JOBS_INTERVAL_SECONDS: "0",
    STAMPBOOK_DEMO: "0",
    ...options.env,
    PORT: String(port),
  });
  const child = spawn(process.execPath, [CLI, "serve"], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  installExitHook();
  live.add(child);
  const tail = new OutputTail();
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => tail.append(chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => tail.append(chunk));
  let exit: ExitInfo | null = null;
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
  const exited = exitOf(child).then((info) => {
    exit = info;
    live.delete(child);
    return info;
  });
  const url = `http://127.0.0.1:${port}`;

  const signalAndWait = async (signal: NodeJS.Signals, graceMs: number): Promise<ExitInfo> => {
    if (exit) return exit;
    child.kill(signal);
    const done = await Promise.race([exited, delay(graceMs).then(() => null)]);
    if (done) return done;
    child.kill("SIGKILL");
    return exited;
  };

  const server: ServerProcess = {
    label,
    url,
    port,
    pid: child.pid ?? -1,
    exited,
    exitInfo: () => exit,
    output: () => tail.toString(),
    stop: (graceMs = 10_000) => signalAndWait("SIGTERM", graceMs),
    kill: () => signalAndWait("SIGKILL", 5_000),
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  const failed = (why: string) => new Error(`${label} ${why}\n--- output of ${label} ---\n${tail.toString()}`);
  for (;;) {
    const early = await Promise.race([spawnError, exited, delay(0).then(() => null)]);
    if (early instanceof Error) throw failed(`could not be spawned: ${early.message}`);
    if (early) throw failed(`exited before it was ready (code ${early.code}, signal ${early.signal})`);
    if (Date.now() > deadline) {
      await server.kill();
      throw failed(`was not ready within ${options.readyTimeoutMs ?? 30_000} ms`);
    }
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.status === 200) return server;
    } catch {
      // not listening yet
    }
    await delay(50);
  }
}

/**
 * Starts `count` servers on one database at once, pushing each into `into` as it comes up (so an
 * afterAll can stop the ones that started even when another failed), then throws the first failure.
 */
export async function startServers(
  count: number,
  options: { env: ChildEnv; label: string },
  into: ServerProcess[],
): Promise<ServerProcess[]> {
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      startServer({ env: options.env, label: `${options.label}-${i}`, readyTimeoutMs: 60_000 }),
    ),
  );
  for (const r of started) if (r.status === "fulfilled") into.push(r.value);
  for (const r of started) if (r.status === "rejected") throw r.reason;
  return into;
}

/** Stops every given server (SIGTERM, SIGKILL after the grace); never throws, so it is safe in afterAll. */
export async function stopServers(servers: Iterable<ServerProcess>, graceMs = 5_000): Promise<void> {
  await Promise.allSettled([...servers].map((s) => s.stop(graceMs)));
}

export interface CliResult extends ExitInfo {
  stdout: string;
  stderr: string;
}

/** Runs a `stampbook` CLI command to completion (killed after `timeoutMs`). */
export async function runCli(args: string[], options: { env?: ChildEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    env: childEnv({ LOG_LEVEL: "warn", ...options.env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  installExitHook();
  live.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  try {
    const info = await Promise.race([exitOf(child), new Promise<never>((_, reject) => child.once("error", reject))]);
    return { ...info, stdout, stderr };
  } finally {
    clearTimeout(timer);
    live.delete(child);
  }
}

export interface ApiResponse {
  status: number;
  body: Json;
  headers: Headers;
}

export interface ApiClient {
  readonly url: string;
  call(
    method: string,
    path: string,
    body?: unknown,
    options?: { idempotencyKey?: string; timeoutMs?: number },
  ): Promise<ApiResponse>;
}

/**
 * A JSON client for one server and one key. Network failures (refused, reset, timed out)
 * reject: a caller that kills servers tells "no answer" apart from an answer that way.
 */
export function apiClient(url: string, key: string): ApiClient {
  return {
    url,
    async call(method, path, body, options = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${key}` };
      if (body !== undefined) headers["content-type"] = "application/json";
      if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
      let res: Response;
      try {
        res = await fetch(`${url}${path}`, {
          method,
          headers,
          ...(body !== undefined && { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
        });
      } catch (error) {
        throw new Error(`${method} ${url}${path}: no answer (${describeError(error)})`, { cause: error });
      }
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text for the failure message
      }
      return { status: res.status, body: parsed as Json, headers: res.headers };
    },
  };
}

/** "fetch failed" says little: name the underlying cause (ECONNRESET, ECONNREFUSED, a timeout ...). */
function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const e = current as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };
    parts.push([e.name, e.code, e.message].filter((x) => typeof x === "string" && x).join(" "));
    current = e.cause;
  }
  return parts.join(" <- ");
}
