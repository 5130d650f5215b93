import { z } from "zod";
import {
  concurrencyList,
  ENGINES,
  list,
  type ParsedOptions,
  parseBenchOptions,
  positiveInt,
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

const FIELDS = {
  batchDuration: seconds,
  batchConcurrency: concurrencyList,
  batchSize: positiveInt.max(1000),
  engines: list(ENGINES),
  cdnowFile: z.string().min(1),
  cdnowLanes: positiveInt.max(64),
};

export type IngestOptions = Omit<ParsedOptions<IngestWorkload, typeof FIELDS>, "pgbenchScale"> & {
  pgbenchScale: number;
  /** One server process: concurrent batches are the parallelism measured here. */
  servers: 1;
};

/** Flags, then BENCH_* variables, then the defaults (the quick ones under --quick). */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): IngestOptions | "help" {
  const options = parseBenchOptions(argv, env, USAGE, {
    workloads: WORKLOADS,
    quick: { duration: "3", batchDuration: "6", warmup: "1", concurrency: "1,4", batchConcurrency: "1,2", members: "200" },
    defaults: {
      duration: "10",
      batchDuration: "20",
      warmup: "3",
      concurrency: "1,4,16",
      batchConcurrency: "1,2,4",
      members: "1000",
    },
    flags: {
      "batch-duration": { type: "string" },
      "batch-concurrency": { type: "string" },
      "batch-size": { type: "string" },
      engines: { type: "string" },
      "cdnow-file": { type: "string" },
      "cdnow-lanes": { type: "string" },
    },
    fields: FIELDS,
    values: (flags, pick, fallback) => ({
      batchDuration: pick(flags["batch-duration"], null, fallback.batchDuration),
      batchConcurrency: pick(flags["batch-concurrency"], null, fallback.batchConcurrency),
      batchSize: flags["batch-size"] ?? "1000",
      engines: pick(flags.engines, "BENCH_ENGINES", "postgres"),
      cdnowFile: flags["cdnow-file"] ?? CDNOW_FILE,
      cdnowLanes: flags["cdnow-lanes"] ?? "2",
    }),
    order: [
      "quick",
      "duration",
      "batchDuration",
      "warmup",
      "concurrency",
      "batchConcurrency",
      "batchSize",
      "members",
      "workloads",
      "engines",
      "cdnowFile",
      "cdnowLanes",
    ],
  });
  if (options === "help") return "help";
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
