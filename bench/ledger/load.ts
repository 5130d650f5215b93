import { createHistogram } from "node:perf_hooks";
import { Pool } from "undici";

export interface ApiResponse {
  status: number;
  body: unknown;
}

/** A keep-alive HTTP client for one server: one undici Pool, `connections` sockets. */
export class Api {
  readonly #pool: Pool;

  constructor(
    readonly origin: string,
    private readonly key: string,
    connections: number,
  ) {
    this.#pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  }

  /** POSTs JSON; the body is always read in full (a server's work is not done until it is sent). */
  async post(path: string, body: unknown, idempotencyKey?: string): Promise<ApiResponse> {
    const response = await this.#pool.request({
      method: "POST",
      path,
      headers: {
        authorization: `Bearer ${this.key}`,
        "content-type": "application/json",
        ...(idempotencyKey === undefined ? {} : { "idempotency-key": idempotencyKey }),
      },
      body: JSON.stringify(body),
    });
    const text = await response.body.text();
    return { status: response.statusCode, body: parseJson(text) };
  }

  /** GETs; with `authorized`, sends the key (the health probes need none). */
  async get(path: string, authorized = false): Promise<ApiResponse> {
    const response = await this.#pool.request({
      method: "GET",
      path,
      ...(authorized ? { headers: { authorization: `Bearer ${this.key}` } } : {}),
    });
    const text = await response.body.text();
    return { status: response.statusCode, body: parseJson(text) };
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const isSuccess = (response: ApiResponse) => response.status >= 200 && response.status < 300;

/** A short label for a failed response: status and error code, e.g. `409 insufficient_points`. */
export function failureLabel(response: ApiResponse): string {
  const body = response.body;
  if (typeof body === "object" && body !== null && "error" in body) {
    const error = body.error;
    if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") {
      return `${response.status} ${error.code}`;
    }
  }
  return String(response.status);
}

export function errorLabel(error: unknown): string {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") return error.code;
  return error instanceof Error ? error.name : "unknown error";
}

/** One unit of work a virtual user performs; resolves to null on success or a failure label. */
export type Operation = (worker: number, random: () => number) => Promise<string | null>;

export interface LoadResult {
  concurrency: number;
  durationSeconds: number;
  ok: number;
  opsPerSecond: number;
  failed: number;
  errors: Record<string, number>;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

export interface LoadPlan {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  operation: Operation;
  /** Called when the measured window opens and closes (CPU sampling). */
  onWindowOpen?: () => Promise<void>;
  onWindowClose?: () => void;
}

/**
 * A closed-loop load: `concurrency` virtual users, each sending its next operation as soon as
 * the previous one answers. Runs warm-up plus measured window without a pause between them,
 * and counts what completes inside the window (successes and failures separately).
 */
export async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const histogram = createHistogram();
  const errors = new Map<string, number>();
  let ok = 0;
  let failed = 0;
  const startedAt = performance.now();
  const windowOpens = startedAt + plan.warmupMs;
  const windowCloses = windowOpens + plan.durationMs;
  let windowOpened = Promise.resolve();
  let windowClosed = false;
  const closeWindow = () => {
    if (windowClosed) return;
    windowClosed = true;
    plan.onWindowClose?.();
  };

  const openTimer = setTimeout(() => {
    windowOpened = plan.onWindowOpen?.() ?? Promise.resolve();
  }, plan.warmupMs);
  const closeTimer = setTimeout(closeWindow, plan.warmupMs + plan.durationMs);

  const worker = async (index: number) => {
    const random = mulberry32(index + 1);
    while (performance.now() < windowCloses) {
      const started = performance.now();
      let outcome: string | null;
      try {
        outcome = await plan.operation(index, random);
      } catch (error) {
        outcome = errorLabel(error);
      }
      const ended = performance.now();
      if (ended < windowOpens || ended > windowCloses) continue;
      if (outcome === null) {
        ok += 1;
        histogram.record(Math.max(1, Math.round((ended - started) * 1000)));
      } else {
        failed += 1;
        errors.set(outcome, (errors.get(outcome) ?? 0) + 1);
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: plan.concurrency }, (_, i) => worker(i)));
    await windowOpened;
    // The workers stop on the clock; the timer may not have had its turn yet.
    closeWindow();
  } finally {
    clearTimeout(openTimer);
    clearTimeout(closeTimer);
  }
  const micros = (n: number) => Math.round(n) / 1000;
  const seconds = plan.durationMs / 1000;
  return {
    concurrency: plan.concurrency,
    durationSeconds: seconds,
    ok,
    opsPerSecond: Math.round((ok / seconds) * 10) / 10,
    failed,
    errors: Object.fromEntries(errors),
    latencyMs:
      ok === 0
        ? { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 }
        : {
            p50: micros(histogram.percentile(50)),
            p90: micros(histogram.percentile(90)),
            p99: micros(histogram.percentile(99)),
            max: micros(histogram.max),
            mean: micros(histogram.mean),
          },
  };
}

/** A small seeded PRNG, so each virtual user picks the same members in every run. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Runs `work` over `items` with at most `limit` at a time (set-up, not measured). */
export async function mapLimit<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  const queue = items.map((item, index) => ({ item, index }));
  const lane = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) results[job.index] = await work(job.item, job.index);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** Reads `value.a.b...` from parsed JSON without trusting its shape; undefined when absent. */
export function field(value: unknown, ...path: string[]): unknown {
  let at = value;
  for (const name of path) {
    if (typeof at !== "object" || at === null || !(name in at)) return undefined;
    at = (at as Record<string, unknown>)[name];
  }
  return at;
}

export function stringField(value: unknown, ...path: string[]): string {
  const found = field(value, ...path);
  if (typeof found !== "string") throw new Error(`expected a string at ${path.join(".")} in ${JSON.stringify(value)}`);
  return found;
}

/** POSTs JSON to an in-process app (`app.request()`, no sockets); throws on a non-2xx answer. */
export async function postInProcess(
  app: { http: { request(path: string, init: RequestInit): Response | Promise<Response> } },
  key: string,
  path: string,
  body: unknown,
  idempotencyKey?: string,
): Promise<unknown> {
  const response = await app.http.request(path, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
    },
    body: JSON.stringify(body),
  });
  const json: unknown = await response.json();
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}
