import { type ParsedOptions, parseBenchOptions } from "../ledger/options.ts";

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

export type RewardsOptions = Omit<ParsedOptions<RewardsWorkload>, "pgbenchScale"> & {
  pgbenchScale: number;
  /** One server process, as the ingest benchmark. */
  servers: 1;
};

/** Flags, then BENCH_* variables, then the defaults (the quick ones under --quick). */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): RewardsOptions | "help" {
  const options = parseBenchOptions(argv, env, USAGE, {
    workloads: WORKLOADS,
    quick: { duration: "2", warmup: "1", concurrency: "1,4,16", members: "200" },
    defaults: { duration: "10", warmup: "3", concurrency: "1,4,16", members: "1000" },
  });
  if (options === "help") return "help";
  return {
    ...options,
    servers: 1,
    // TPC-B updates one branch row per transaction: fewer branches than clients turns the
    // baseline into a lock-wait test, so the scale follows the largest concurrency.
    pgbenchScale: options.pgbenchScale ?? Math.max(...options.concurrency),
  };
}
