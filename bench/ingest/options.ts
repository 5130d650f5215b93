import { parseArgs } from "node:util";
import { z } from "zod";
import {
  concurrencyList,
  ENGINES,
  kebab,
  list,
  nonEmpty,
  positiveInt,
  postgresUrlFrom,
  seconds,
  UsageError,
} from "../ledger/options.ts";

export const WORKLOADS = ["single", "batch", "cdnow"] as const;
export type IngestWorkload = (typeof WORKLOADS)[number];

export const CDNOW_FILE = "data/cdnow/CDNOW_master.txt";

export const USAGE = `Usage: npm run bench:ingest -- [options]

Measures event ingestion over HTTP (POST /v1/events one at a time; POST /v1/events/batch with
1,000 purchases per request; a replay of the 69,659 real CDNOW purchases), against pgbench's TPC-B
on the same PostgreSQL server, in the same run. Aims: single events >= 0.5x pgbench tps, batch
ingest >= 10x pgbench tps (events per second), at equal concurrency.

Options (environment variable in brackets; flags win):
  --quick                     about 2 minutes: 3 s per single-event point, 6 s per batch point,
                              1 s warm-up, concurrency 1,4 and 1,2, 200 members; the full CDNOW replay
  --duration <s>              measured seconds per single-event point   [BENCH_DURATION]  (10)
  --batch-duration <s>        measured seconds per batch point; a batch takes about half a second,
                              so a longer window keeps the count precise                  (20)
  --warmup <s>                warm-up seconds before each point          [BENCH_WARMUP]    (3)
  --concurrency <list>        single events in flight, e.g. 1,4,16       [BENCH_CONCURRENCY] (1,4,16)
  --batch-concurrency <list>  batches in flight                                          (1,2,4)
  --batch-size <n>            events per batch (the API takes at most 1,000)              (1000)
  --members <n>               members the synthetic events are spread over [BENCH_MEMBERS] (1000)
  --workloads <list>          single,batch,cdnow                         [BENCH_WORKLOADS] (all)
  --engines <list>            postgres, pglite or both                   [BENCH_ENGINES]   (postgres)
  --cdnow-file <path>         the CDNOW purchases                        (${CDNOW_FILE})
  --cdnow-lanes <n>           batches in flight during the replay; customers are split between the
                              lanes, so each customer's purchases stay in date order       (2)
  --pgbench-scale <n>         pgbench -i -s <n>                          (largest concurrency)
  --no-pgbench                skip the pgbench baseline
  --pool-size <n>             DATABASE_POOL_SIZE of the server           [BENCH_POOL_SIZE] (server default, 10)
  --postgres-url <url>        server to use; fresh databases are created on it and dropped
                              [BENCH_DATABASE_URL, else TEST_DATABASE_URL]   (postgres://root@127.0.0.1:5432/test)
  --setup-sql <sql>           investigation only: SQL run on the fresh PostgreSQL database once the server
                              has migrated it, e.g. to try an index without touching src/
  --server-node-options=<s>   extra node flags for the server, e.g. --server-node-options="--cpu-prof --cpu-prof-dir=/tmp/prof"
  --label <text>              a note stored in the JSON results
  --out <dir>                 where the JSON goes                                          (bench/results)
  -h, --help                  this help`;

const OptionsSchema = z.object({
  quick: z.boolean(),
  duration: seconds,
  batchDuration: seconds,
  warmup: z.coerce.number().min(0).max(600),
  concurrency: concurrencyList,
  batchConcurrency: concurrencyList,
  batchSize: positiveInt.max(1000),
  members: positiveInt.max(1_000_000),
  workloads: list(WORKLOADS),
  engines: list(ENGINES),
  cdnowFile: z.string().min(1),
  cdnowLanes: positiveInt.max(64),
  pgbench: z.boolean(),
  pgbenchScale: positiveInt.max(10_000).optional(),
  poolSize: positiveInt.max(500).optional(),
  postgresUrl: z.url(),
  setupSql: z.string().optional(),
  serverNodeOptions: z.string().optional(),
  label: z.string().optional(),
  out: z.string().min(1),
});

export type IngestOptions = Omit<z.infer<typeof OptionsSchema>, "pgbenchScale"> & {
  pgbenchScale: number;
  /** One server process: concurrent batches are the parallelism measured here. */
  servers: 1;
};

const QUICK = { duration: "3", batchDuration: "6", warmup: "1", concurrency: "1,4", batchConcurrency: "1,2", members: "200" };
const DEFAULTS = {
  duration: "10",
  batchDuration: "20",
  warmup: "3",
  concurrency: "1,4,16",
  batchConcurrency: "1,2,4",
  members: "1000",
};

/** Flags, then BENCH_* variables, then the defaults (the quick ones under --quick). */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): IngestOptions | "help" {
  const { values } = parseFlags(argv);
  if (values.help) return "help";
  const quick = values.quick === true;
  const fallback = quick ? QUICK : DEFAULTS;
  const pick = (flag: string | undefined, name: string | null, otherwise?: string) =>
    flag ?? (name ? nonEmpty(env[name]) : undefined) ?? otherwise;
  const parsed = OptionsSchema.safeParse({
    quick,
    duration: pick(values.duration, "BENCH_DURATION", fallback.duration),
    batchDuration: pick(values["batch-duration"], null, fallback.batchDuration),
    warmup: pick(values.warmup, "BENCH_WARMUP", fallback.warmup),
    concurrency: pick(values.concurrency, "BENCH_CONCURRENCY", fallback.concurrency),
    batchConcurrency: pick(values["batch-concurrency"], null, fallback.batchConcurrency),
    batchSize: values["batch-size"] ?? "1000",
    members: pick(values.members, "BENCH_MEMBERS", fallback.members),
    workloads: pick(values.workloads, "BENCH_WORKLOADS", WORKLOADS.join(",")),
    engines: pick(values.engines, "BENCH_ENGINES", "postgres"),
    cdnowFile: values["cdnow-file"] ?? CDNOW_FILE,
    cdnowLanes: values["cdnow-lanes"] ?? "2",
    pgbench: values["no-pgbench"] !== true,
    pgbenchScale: pick(values["pgbench-scale"], "BENCH_PGBENCH_SCALE"),
    poolSize: pick(values["pool-size"], "BENCH_POOL_SIZE"),
    postgresUrl: postgresUrlFrom(values["postgres-url"], env),
    setupSql: values["setup-sql"],
    serverNodeOptions: values["server-node-options"],
    label: values.label,
    out: values.out ?? "bench/results",
  });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  --${kebab(String(issue.path[0] ?? "?"))}: ${issue.message}`);
    throw new UsageError(`Invalid options:\n${lines.join("\n")}\n\n${USAGE}`);
  }
  const options = parsed.data;
  if (options.setupSql !== undefined && options.engines.includes("pglite")) {
    throw new UsageError("--setup-sql needs --engines postgres");
  }
  return {
    ...options,
    servers: 1,
    // TPC-B updates one branch row per transaction: fewer branches than clients turns the
    // baseline into a lock-wait test, so the scale follows the largest concurrency.
    pgbenchScale: options.pgbenchScale ?? Math.max(...pgbenchConcurrencies(options)),
  };
}

/** Every concurrency a workload runs at: pgbench is measured at each. */
export function pgbenchConcurrencies(options: Pick<IngestOptions, "concurrency" | "batchConcurrency" | "workloads">): number[] {
  const used = [
    ...(options.workloads.includes("single") ? options.concurrency : []),
    ...(options.workloads.includes("batch") ? options.batchConcurrency : []),
  ];
  return [...new Set(used.length > 0 ? used : [1])].sort((a, b) => a - b);
}

function parseFlags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      options: {
        quick: { type: "boolean" },
        duration: { type: "string" },
        "batch-duration": { type: "string" },
        warmup: { type: "string" },
        concurrency: { type: "string" },
        "batch-concurrency": { type: "string" },
        "batch-size": { type: "string" },
        members: { type: "string" },
        workloads: { type: "string" },
        engines: { type: "string" },
        "cdnow-file": { type: "string" },
        "cdnow-lanes": { type: "string" },
        "pgbench-scale": { type: "string" },
        "no-pgbench": { type: "boolean" },
        "pool-size": { type: "string" },
        "postgres-url": { type: "string" },
        "setup-sql": { type: "string" },
        "server-node-options": { type: "string" },
        label: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  }
}
