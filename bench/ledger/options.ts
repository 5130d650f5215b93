import { type ParseArgsConfig, parseArgs } from "node:util";
import { z } from "zod";

export const ENGINES = ["pglite", "postgres"] as const;
export type Engine = (typeof ENGINES)[number];
/** The ledger workloads, plus two floors for calibration (not run unless asked for). */
export const WORKLOADS = ["adjust", "hold-capture", "http-floor", "sql-floor"] as const;
export type Workload = (typeof WORKLOADS)[number];
const DEFAULT_WORKLOADS: Workload[] = ["adjust", "hold-capture"];

export const USAGE = `Usage: npm run bench:ledger -- [options]

Measures ledger writes over HTTP (adjustments; hold+capture pairs) on PGlite and PostgreSQL,
against pgbench's TPC-B on the same PostgreSQL server, in the same run.

Options (environment variable in brackets; flags win):
  --quick                   fast smoke run: 2 s per point, 1 s warm-up, concurrency 1,4, 100 members
  --duration <s>            measured seconds per point           [BENCH_DURATION]     (10)
  --warmup <s>              warm-up seconds before each point     [BENCH_WARMUP]       (3)
  --concurrency <list>      in-flight requests, e.g. 1,4,16,32    [BENCH_CONCURRENCY]  (1,4,16,32)
  --engines <list>          pglite,postgres                       [BENCH_ENGINES]      (both)
  --workloads <list>        adjust,hold-capture                   [BENCH_WORKLOADS]    (both)
                            also http-floor (GET /healthz: HTTP and routing only) and
                            sql-floor (GET /readyz: plus one SQL round trip), to calibrate
  --members <n>             members the load is spread over       [BENCH_MEMBERS]      (1000)
  --hot-concurrency <n>     concurrency of the one-member runs; 0 skips them   (largest --concurrency)
  --pgbench-scale <n>       pgbench -i -s <n>                     [BENCH_PGBENCH_SCALE] (largest --concurrency)
  --no-pgbench              skip the pgbench baseline
  --pool-size <n>           DATABASE_POOL_SIZE of each server     [BENCH_POOL_SIZE]    (server default, 10)
  --servers <n>             server processes (PostgreSQL only); requests spread round-robin   (1)
  --postgres-url <url>      server to use; a fresh database is created on it and dropped
                            [BENCH_DATABASE_URL, else TEST_DATABASE_URL]   (postgres://root@127.0.0.1:5432/test)
  --no-idempotency-key      investigation only: send mutations without Idempotency-Key (integrators send one)
  --setup-sql <sql>         investigation only: SQL run on the fresh PostgreSQL database once the servers
                            have migrated it, e.g. to try a schema change without touching src/
  --server-node-options=<s> extra node flags for the servers, e.g. --server-node-options="--cpu-prof --cpu-prof-dir=/tmp/prof"
  --label <text>            a note stored in the JSON results
  --out <dir>               where the JSON goes                                 (bench/results)
  -h, --help                this help`;

export const positiveInt = z.coerce.number().int().min(1);
export const seconds = z.coerce.number().positive().max(3600);
/** `1,4,16`: in-flight requests. */
export const concurrencyList = z
  .string()
  .transform((s) => s.split(",").map((part) => Number(part.trim())))
  .pipe(z.array(z.number().int().min(1).max(1024)).min(1));
/** A comma-separated list of allowed words. */
export const list = <T extends string>(allowed: readonly [T, ...T[]]) =>
  z
    .string()
    .transform((s) => s.split(",").map((part) => part.trim()))
    .pipe(z.array(z.enum(allowed)).min(1));

const FIELDS = {
  engines: list(ENGINES),
  hotConcurrency: z.coerce.number().int().min(0).max(1024).optional(),
  servers: positiveInt.max(16),
  idempotencyKey: z.boolean(),
};

export type BenchOptions = Omit<ParsedOptions<Workload, typeof FIELDS>, "hotConcurrency" | "pgbenchScale"> & {
  hotConcurrency: number;
  pgbenchScale: number;
};

/** Bad flags or values: printed with the usage, without a stack trace. */
export class UsageError extends Error {}

/** Flags, then BENCH_* variables, then the defaults (the quick ones under --quick). */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions | "help" {
  const options = parseBenchOptions(argv, env, USAGE, {
    workloads: WORKLOADS,
    defaultWorkloads: DEFAULT_WORKLOADS,
    quick: { duration: "2", warmup: "1", concurrency: "1,4", members: "100" },
    defaults: { duration: "10", warmup: "3", concurrency: "1,4,16,32", members: "1000" },
    flags: {
      engines: { type: "string" },
      "hot-concurrency": { type: "string" },
      servers: { type: "string" },
      "no-idempotency-key": { type: "boolean" },
    },
    fields: FIELDS,
    values: (flags, pick) => ({
      engines: pick(flags.engines, "BENCH_ENGINES", ENGINES.join(",")),
      hotConcurrency: flags["hot-concurrency"],
      servers: flags.servers ?? "1",
      idempotencyKey: flags["no-idempotency-key"] !== true,
    }),
    order: [
      "quick",
      "duration",
      "warmup",
      "concurrency",
      "engines",
      "workloads",
      "members",
      "hotConcurrency",
      "pgbench",
      "pgbenchScale",
      "poolSize",
      "servers",
      "idempotencyKey",
      "setupSql",
      "postgresUrl",
    ],
  });
  if (options === "help") return "help";
  const largest = Math.max(...options.concurrency);
  if (options.setupSql !== undefined && options.engines.includes("pglite")) {
    throw new UsageError("--setup-sql needs --engines postgres");
  }
  if (options.servers > 1 && options.engines.includes("pglite")) {
    throw new UsageError("--servers > 1 needs --engines postgres: a PGlite data directory belongs to one process");
  }
  return {
    ...options,
    hotConcurrency: options.hotConcurrency ?? largest,
    // TPC-B updates one branch row per transaction: fewer branches than clients turns the
    // baseline into a lock-wait test, so the scale follows the largest concurrency.
    pgbenchScale: options.pgbenchScale ?? largest,
  };
}

/** The flags every benchmark takes; each adds its own (parseBenchOptions). */
const COMMON_FLAGS = {
  quick: { type: "boolean" },
  duration: { type: "string" },
  warmup: { type: "string" },
  concurrency: { type: "string" },
  workloads: { type: "string" },
  members: { type: "string" },
  "pgbench-scale": { type: "string" },
  "no-pgbench": { type: "boolean" },
  "pool-size": { type: "string" },
  "postgres-url": { type: "string" },
  "setup-sql": { type: "string" },
  "server-node-options": { type: "string" },
  label: { type: "string" },
  out: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** The options every benchmark has, in this order in its JSON unless it gives another. */
function commonFields<W extends string>(workloads: readonly [W, ...W[]]) {
  return {
    quick: z.boolean(),
    duration: seconds,
    warmup: z.coerce.number().min(0).max(600),
    concurrency: concurrencyList,
    workloads: list(workloads),
    members: positiveInt.max(1_000_000),
    pgbench: z.boolean(),
    pgbenchScale: positiveInt.max(10_000).optional(),
    poolSize: positiveInt.max(500).optional(),
    postgresUrl: z.url(),
    setupSql: z.string().optional(),
    serverNodeOptions: z.string().optional(),
    label: z.string().optional(),
    out: z.string().min(1),
  };
}

type Flags = NonNullable<ParseArgsConfig["options"]>;
/** What parseArgs gives for the flags `F`. */
type FlagValues<F extends Flags> = ReturnType<typeof parseArgs<{ args: string[]; strict: true; options: F }>>["values"];

/** A benchmark's options as parsed: the common ones and its own `fields`. */
export type ParsedOptions<W extends string, S extends z.ZodRawShape = NoFields> = z.infer<
  z.ZodObject<ReturnType<typeof commonFields<W>> & S>
>;

type NoFields = Record<never, never>;

/** The defaults of the common options that --quick changes. */
interface Fallback {
  duration: string;
  warmup: string;
  concurrency: string;
  members: string;
}

/** A value from its flag, else from the environment variable `name` (unless null), else `otherwise`. */
type PickValue = (flag: string | undefined, name: string | null, otherwise?: string) => string | undefined;

export interface BenchOptionsSpec<W extends string, D extends Fallback, F extends Flags, S extends z.ZodRawShape> {
  /** What --workloads takes, and what runs without it (all of them unless given). */
  workloads: readonly [W, ...W[]];
  defaultWorkloads?: readonly W[];
  quick: D;
  defaults: D;
  /** The benchmark's own flags, options and their values (`fallback`: `quick` or `defaults`), if any. */
  flags?: F;
  fields?: S;
  values?: (flags: FlagValues<F>, pick: PickValue, fallback: D) => { [K in keyof S]: unknown };
  /** The options' order in the JSON and in error lists: these keys first, then the rest (default: the common ones, then the own). */
  order?: readonly string[];
}

/**
 * What every benchmark's parseOptions starts with: its flags and the common ones (strict), then
 * each option from its flag, its BENCH_* variable or its default (the quick one under --quick),
 * checked. "help" for -h; UsageError, with `usage`, for an unknown flag or a bad value.
 */
export function parseBenchOptions<
  W extends string,
  D extends Fallback,
  F extends Flags = NoFields,
  S extends z.ZodRawShape = NoFields,
>(argv: string[], env: NodeJS.ProcessEnv, usage: string, spec: BenchOptionsSpec<W, D, F, S>): ParsedOptions<W, S> | "help" {
  let values: FlagValues<typeof COMMON_FLAGS> & FlagValues<F>;
  try {
    values = parseArgs({ args: argv, strict: true, options: { ...COMMON_FLAGS, ...spec.flags } }).values as typeof values;
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
  }
  if (values.help) return "help";
  const quick = values.quick === true;
  const fallback = quick ? spec.quick : spec.defaults;
  const pick: PickValue = (flag, name, otherwise) => flag ?? (name ? nonEmpty(env[name]) : undefined) ?? otherwise;
  const shape = { ...commonFields(spec.workloads), ...spec.fields };
  const parsed = z.object(spec.order ? inOrder(shape, spec.order) : shape).safeParse({
    quick,
    duration: pick(values.duration, "BENCH_DURATION", fallback.duration),
    warmup: pick(values.warmup, "BENCH_WARMUP", fallback.warmup),
    concurrency: pick(values.concurrency, "BENCH_CONCURRENCY", fallback.concurrency),
    workloads: pick(values.workloads, "BENCH_WORKLOADS", (spec.defaultWorkloads ?? spec.workloads).join(",")),
    members: pick(values.members, "BENCH_MEMBERS", fallback.members),
    pgbench: values["no-pgbench"] !== true,
    pgbenchScale: pick(values["pgbench-scale"], "BENCH_PGBENCH_SCALE"),
    poolSize: pick(values["pool-size"], "BENCH_POOL_SIZE"),
    postgresUrl: postgresUrlFrom(values["postgres-url"], env),
    setupSql: values["setup-sql"],
    serverNodeOptions: values["server-node-options"],
    label: values.label,
    out: values.out ?? "bench/results",
    ...spec.values?.(values, pick, fallback),
  });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  --${kebab(String(issue.path[0] ?? "?"))}: ${issue.message}`);
    throw new UsageError(`Invalid options:\n${lines.join("\n")}\n\n${usage}`);
  }
  return parsed.data as ParsedOptions<W, S>;
}

/** `shape` with the keys of `order` first, in that order. */
function inOrder<T extends object>(shape: T, order: readonly string[]): T {
  const first = Object.fromEntries(order.filter((key) => key in shape).map((key) => [key, shape[key as keyof T]]));
  return { ...first, ...shape } as T;
}

/** The PostgreSQL server to use: the flag, else BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local default. */
export function postgresUrlFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? nonEmpty(env.BENCH_DATABASE_URL) ?? nonEmpty(env.TEST_DATABASE_URL) ?? "postgres://root@127.0.0.1:5432/test";
}

/** An environment variable, or undefined when unset or empty. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/** `poolSize` -> `pool-size`: an option's flag name in error messages. */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
