import { parseArgs } from "node:util";
import { z } from "zod";
import { concurrencyList, kebab, list, nonEmpty, positiveInt, postgresUrlFrom, seconds, UsageError } from "../ledger/options.ts";

/** The rewards workloads, in the order each concurrency runs them. */
export const WORKLOADS = ["redeem", "redeem-stocked", "reserve-confirm", "voucher-check", "voucher-use", "payment"] as const;
export type RewardsWorkload = (typeof WORKLOADS)[number];

export const USAGE = `Usage: npm run bench:rewards -- [options]

Measures rewards over HTTP on PostgreSQL (one real server process): one-phase redemptions of an
unlimited reward and of a stocked one (a shared hot row), reserve+confirm pairs, voucher checks and
uses, and paying with points, against pgbench's TPC-B on the same PostgreSQL server, measured before
and after in the same run. Ends with stampbook verify on the run's database.

Workloads (each its own reward, so each reward's history grows only with its own workload):
  redeem           POST /v1/members/{id}/redemptions {rewardId} of an unlimited reward
  redeem-stocked   the same on a reward with a stock (large enough never to run out)
  reserve-confirm  {rewardId, reserve: true}, then POST /v1/redemptions/{id}/confirm: one op is the pair
  voucher-check    GET /v1/vouchers/{code} of an issued voucher
  voucher-use      POST /v1/vouchers/{code}/redeem, each voucher once
  payment          POST /v1/members/{id}/payments {orderId, amount: 100, currency} (100 points)

Options (environment variable in brackets; flags win):
  --quick                   about 2 minutes: 2 s per point, 1 s warm-up, concurrency 1,4,16, 200 members
  --duration <s>            measured seconds per point                 [BENCH_DURATION]    (10)
  --warmup <s>              warm-up seconds before each point           [BENCH_WARMUP]      (3)
  --concurrency <list>      requests in flight                          [BENCH_CONCURRENCY] (1,4,16)
  --workloads <list>        ${WORKLOADS.join(",")}
                            [BENCH_WORKLOADS]   (all)
  --members <n>             members the load is spread over, each seeded with 10^9 points
                            [BENCH_MEMBERS]     (1000)
  --pgbench-scale <n>       pgbench -i -s <n>                           (largest concurrency)
  --no-pgbench              skip the pgbench baseline
  --pool-size <n>           DATABASE_POOL_SIZE of the server            [BENCH_POOL_SIZE]   (server default, 10)
  --postgres-url <url>      server to use; fresh databases are created on it and dropped
                            [BENCH_DATABASE_URL, else TEST_DATABASE_URL]   (postgres://root@127.0.0.1:5432/test)
  --setup-sql <sql>         investigation only: SQL run on the fresh database once the server has
                            migrated it, e.g. to try an index without touching src/
  --server-node-options=<s> extra node flags for the server, e.g. --server-node-options="--cpu-prof --cpu-prof-dir=/tmp/prof"
  --label <text>            a note stored in the JSON results
  --out <dir>               where the JSON goes                                             (bench/results)
  -h, --help                this help`;

const OptionsSchema = z.object({
  quick: z.boolean(),
  duration: seconds,
  warmup: z.coerce.number().min(0).max(600),
  concurrency: concurrencyList,
  workloads: list(WORKLOADS),
  members: positiveInt.max(1_000_000),
  pgbench: z.boolean(),
  pgbenchScale: positiveInt.max(10_000).optional(),
  poolSize: positiveInt.max(500).optional(),
  postgresUrl: z.url(),
  setupSql: z.string().optional(),
  serverNodeOptions: z.string().optional(),
  label: z.string().optional(),
  out: z.string().min(1),
});

export type RewardsOptions = Omit<z.infer<typeof OptionsSchema>, "pgbenchScale"> & {
  pgbenchScale: number;
  /** One server process, as the ingest benchmark. */
  servers: 1;
};

const QUICK = { duration: "2", warmup: "1", concurrency: "1,4,16", members: "200" };
const DEFAULTS = { duration: "10", warmup: "3", concurrency: "1,4,16", members: "1000" };

/** Flags, then BENCH_* variables, then the defaults (the quick ones under --quick). */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): RewardsOptions | "help" {
  const { values } = parseFlags(argv);
  if (values.help) return "help";
  const quick = values.quick === true;
  const fallback = quick ? QUICK : DEFAULTS;
  const pick = (flag: string | undefined, name: string, otherwise?: string) => flag ?? nonEmpty(env[name]) ?? otherwise;
  const parsed = OptionsSchema.safeParse({
    quick,
    duration: pick(values.duration, "BENCH_DURATION", fallback.duration),
    warmup: pick(values.warmup, "BENCH_WARMUP", fallback.warmup),
    concurrency: pick(values.concurrency, "BENCH_CONCURRENCY", fallback.concurrency),
    workloads: pick(values.workloads, "BENCH_WORKLOADS", WORKLOADS.join(",")),
    members: pick(values.members, "BENCH_MEMBERS", fallback.members),
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
  return {
    ...options,
    servers: 1,
    // TPC-B updates one branch row per transaction: fewer branches than clients turns the
    // baseline into a lock-wait test, so the scale follows the largest concurrency.
    pgbenchScale: options.pgbenchScale ?? Math.max(...options.concurrency),
  };
}

function parseFlags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      options: {
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
      },
    });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  }
}
