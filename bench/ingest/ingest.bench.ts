/**
 * bench/ingest: event ingestion over HTTP (single events, batches of 1,000, and a replay of the
 * 69,659 real CDNOW purchases), against pgbench's TPC-B on the same PostgreSQL server in the same
 * run. See bench/README.md.
 *
 *   npm run bench:ingest -- --quick
 *   npm run bench:ingest -- --help
 */
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import type { CpuSplit } from "../ledger/cpu.ts";
import { type EngineSetup, serverSampler, startEngine } from "../ledger/engine.ts";
import { Api, type Operation, runLoad } from "../ledger/load.ts";
import type { Engine } from "../ledger/options.ts";
import { checkpoint, queryRows } from "../ledger/postgres.ts";
import { closingLines, compareWithPgbench, cpuPerOp, measuredLine, NOISY_OTHER_PCT, pgbenchSection } from "../ledger/report.ts";
import { log, measureRun, type Run, runMain, startRun, writeReport } from "../ledger/run.ts";
import { REPO_ROOT } from "../ledger/server.ts";
import { runVerify } from "../ledger/verify.ts";
import { type CdnowPurchase, type Check, readCdnow, replay, spotCheck, spotCustomers } from "./cdnow.ts";
import { type IngestOptions, parseOptions, pgbenchConcurrencies, USAGE } from "./options.ts";
import { profileIngest } from "./profile.ts";
import {
  type CdnowRecord,
  cdnowTable,
  checksList,
  type IngestReport,
  type IngestRun,
  profileTable,
  runsTable,
  statementBreakdown,
  TARGETS,
} from "./report.ts";
import { createMembers, createProgramme, eventBatch, singleEvent } from "./workloads.ts";

/** Aborted on Ctrl-C. */
const stopping = new AbortController();

/** One measured point: a workload at one concurrency. */
interface LoadPoint {
  workload: "single" | "batch";
  concurrency: number;
  eventsPerRequest: number;
  members: number;
  durationSeconds: number;
  operation: (api: Api) => Operation;
}

async function loadPoint(
  engine: Engine,
  setup: EngineSetup,
  options: IngestOptions,
  key: string,
  point: LoadPoint,
): Promise<IngestRun> {
  const [server] = setup.servers;
  if (!server) throw new Error("no server started");
  if (engine === "postgres") await checkpoint(options.postgresUrl);
  const api = new Api(server.origin, key, point.concurrency);
  const sampler = serverSampler(setup, options.postgresUrl);
  let cpu: CpuSplit | null = null;
  try {
    const load = await runLoad({
      concurrency: point.concurrency,
      warmupMs: options.warmup * 1000,
      durationMs: point.durationSeconds * 1000,
      operation: point.operation(api),
      onWindowOpen: () => sampler.start(),
      onWindowClose: () => {
        cpu = sampler.stop();
      },
    });
    const eventsPerSecond = Math.round(load.opsPerSecond * point.eventsPerRequest * 10) / 10;
    log(
      `${engine} ${point.workload} c=${point.concurrency}: ${eventsPerSecond} events/s, p50 ${load.latencyMs.p50} ms, p99 ${load.latencyMs.p99} ms, ${load.failed} errors`,
    );
    return {
      engine,
      workload: point.workload,
      eventsPerRequest: point.eventsPerRequest,
      members: point.members,
      concurrency: point.concurrency,
      load,
      eventsPerSecond,
      cpu,
      cpuMsPerEvent: cpuPerOp(cpu, eventsPerSecond),
      openLotsPerMember: null,
      pgbenchTps: null,
      ratio: null,
      target: TARGETS[point.workload],
    };
  } finally {
    await api.close();
  }
}

/** Lots with points left per member of the programme, before a point (PostgreSQL only). */
async function openLotsPerMember(url: string, programId: string, members: number): Promise<number> {
  const [row] = await queryRows<{ lots: string }>(
    url,
    "select count(*) as lots from lots where program_id = $1 and remaining > 0",
    [programId],
  );
  return Math.round((Number(row?.lots ?? 0) / Math.max(1, members)) * 10) / 10;
}

/** Replays CDNOW into a fresh programme that enrols unknown members, then checks what it wrote. */
async function benchCdnow(
  engine: Engine,
  setup: EngineSetup,
  options: IngestOptions,
  rootKey: string,
  purchases: CdnowPurchase[],
): Promise<CdnowRecord> {
  const [server] = setup.servers;
  if (!server) throw new Error("no server started");
  const { key } = await createProgramme(server.origin, rootKey, "CDNOW replay", "enroll");
  const api = new Api(server.origin, key, options.cdnowLanes);
  try {
    if (engine === "postgres") await checkpoint(options.postgresUrl);
    const sampler = serverSampler(setup, options.postgresUrl);
    await sampler.start();
    const result = await replay(api, purchases, options.cdnowLanes, options.batchSize, log, stopping.signal);
    const cpu = sampler.stop();
    log(`${engine} cdnow: ${result.events} events in ${result.wallSeconds} s, ${result.eventsPerSecond} events/s`);

    const checks: Check[] = [
      {
        name: "every event accepted",
        ok: result.accepted === result.events && result.failed === 0 && result.replayed === 0,
        detail: `${result.accepted} accepted, ${result.replayed} replayed, ${result.failed} failed of ${result.events}${
          Object.keys(result.errors).length ? ` (${JSON.stringify(result.errors)})` : ""
        }`,
      },
      {
        name: "every customer enrolled once",
        ok: result.enrolled === result.customers,
        detail: `${result.enrolled} members enrolled (named by ${result.enrolledAnswers} answers with enrolled: true), ${result.customers} customers in the file`,
      },
      {
        name: "points in the answers",
        ok: result.points === result.expectedPoints,
        detail: `${result.points} points, ${result.expectedPoints} expected from the two rules`,
      },
      ...(await spotCheck(api, purchases, spotCustomers(purchases))),
    ];
    if (setup.databaseUrl) {
      const [row] = await queryRows<{ members: string; events: string; points: string | null; latest: Date | null }>(
        setup.databaseUrl,
        `with p as (select program_id from events where id = 'cdnow-2')
         select (select count(*) from members where program_id = (select program_id from p)) as members,
                count(*) as events, sum(points) as points, max(occurred_at) as latest
           from events where program_id = (select program_id from p) and type = 'purchase'`,
      );
      checks.push({
        name: "stored rows",
        ok:
          Number(row?.members) === result.customers &&
          Number(row?.events) === result.events &&
          Number(row?.points) === result.expectedPoints,
        detail: `members ${row?.members}, purchase events ${row?.events}, points ${row?.points} in the database; latest occurredAt ${row?.latest?.toISOString() ?? "-"}`,
      });
    }
    // A PGlite data directory belongs to one process: the server stops before verify opens it.
    if (engine === "pglite") await setup.stopServers();
    log(`${engine}: stampbook verify --json`);
    const verify = await runVerify(setup);
    return { engine, replay: result, cpu, cpuMsPerEvent: cpuPerOp(cpu, result.eventsPerSecond), checks, verify };
  } finally {
    await api.close();
  }
}

async function benchEngine(
  engine: Engine,
  options: IngestOptions,
  run: Run<"ingest">,
  report: IngestReport,
  purchases: CdnowPurchase[] | null,
): Promise<void> {
  const rootKey = randomBytes(24).toString("base64url");
  log(`${engine}: starting the server`);
  const setup = await startEngine(engine, options, run.cleanup, rootKey, `${run.runId}_${engine}`);
  try {
    const [server] = setup.servers;
    if (!server) throw new Error("no server started");
    const synthetic = options.workloads.includes("single") || options.workloads.includes("batch");
    if (synthetic) {
      log(`${engine}: profiling the ingest path in process`);
      report.profiles[engine] = await profileIngest(engine, setup.databaseUrl, {
        members: Math.min(options.members, 200),
        singles: options.quick ? 50 : 300,
        batches: options.quick ? 2 : 5,
        batchSize: options.batchSize,
      });
      log(`${engine}: creating a programme and ${options.members} members`);
      const { programId, key } = await createProgramme(server.origin, rootKey, "bench ingest", "reject");
      const members = await createMembers(server.origin, key, options.members);
      const points: LoadPoint[] = [
        ...(options.workloads.includes("single") ? options.concurrency : []).map((concurrency) => ({
          workload: "single" as const,
          concurrency,
          eventsPerRequest: 1,
          members: members.length,
          durationSeconds: options.duration,
          operation: (api: Api) => singleEvent(api, members),
        })),
        ...(options.workloads.includes("batch") ? options.batchConcurrency : []).map((concurrency) => ({
          workload: "batch" as const,
          concurrency,
          eventsPerRequest: options.batchSize,
          members: members.length,
          durationSeconds: options.batchDuration,
          operation: (api: Api) => eventBatch(api, members, options.batchSize),
        })),
      ];
      const url = setup.databaseUrl;
      for (const point of points) {
        // Every purchase adds a lot with points left to its member's book, and each event's cost
        // grows with its member's open lots: the points run one after another on the same members.
        const openLots = url ? await openLotsPerMember(url, programId, members.length) : null;
        report.runs.push({ ...(await loadPoint(engine, setup, options, key, point)), openLotsPerMember: openLots });
      }
    }
    if (purchases) {
      log(`${engine}: replaying ${purchases.length} CDNOW purchases, ${options.cdnowLanes} lanes of ${options.batchSize}`);
      report.cdnow.push(await benchCdnow(engine, setup, options, rootKey, purchases));
    }
  } finally {
    await setup.teardown();
  }
}

function printReport(report: IngestReport, options: IngestOptions, file: string): void {
  console.log(measuredLine(report.source));
  if (report.runs.length > 0) {
    console.log(
      `Event ingestion over HTTP: ${options.duration} s per single-event point, ${options.batchDuration} s per batch point, after ${options.warmup} s warm-up; ${options.members} members.`,
    );
    console.log(
      "events/s counts accepted events (a batch counts only when every event in it is 201); ratio = events/s / pgbench tps.",
    );
    console.log("cpu ms/event: CPU time of the server + the PostgreSQL processes serving it + the load generator, per event.");
    console.log(
      `other cpu %: busy CPU nothing in this run explains (of one core; ! = over ${NOISY_OTHER_PCT}%, a noisy point).\n`,
    );
    console.log(runsTable(report.runs));
  }
  if (report.cdnow.length > 0) {
    console.log(
      `\nCDNOW replay (${options.cdnowFile}): every purchase through POST /v1/events/batch, members enrolled by externalId\n`,
    );
    console.log(cdnowTable(report.cdnow));
    console.log(`\n${checksList(report.cdnow)}`);
  }
  const pgbench = pgbenchSection(report);
  if (pgbench) console.log(pgbench);
  if (Object.keys(report.profiles).length > 0) {
    console.log("\nOne request at a time, in process (app.request(), no sockets): where an event's time goes\n");
    console.log(profileTable(report.profiles, options.batchSize));
    console.log(
      `\nms per request by statement (kinds added up; SQL as the client waits for it):\n${statementBreakdown(report.profiles)}`,
    );
  }
  for (const workload of ["single", "batch"] as const) {
    const compared = report.runs.filter((r) => r.workload === workload && r.ratio !== null);
    if (compared.length === 0) continue;
    const meeting = compared.filter((r) => (r.ratio ?? 0) >= TARGETS[workload]).length;
    const ratios = compared.map((r) => `${r.ratio?.toFixed(2)}x`).join(", ");
    console.log(
      `\nAim for ${workload === "single" ? "single events" : "batches"}: >= ${TARGETS[workload]}x pgbench tps; met at ${meeting} of ${compared.length} concurrencies (${ratios}).`,
    );
  }
  console.log(closingLines(report.runs, "event", file));
}

runMain(USAGE, parseOptions, async (options) => {
  // Read before anything starts: a missing or malformed file should fail in a second, not after the baseline.
  // The file's 80 purchases of $0.00 earn nothing and are refused since issue 12 (a till's mistyped
  // sale): the replay sends the purchases that were paid for.
  const purchases = options.workloads.includes("cdnow")
    ? readCdnow(resolve(REPO_ROOT, options.cdnowFile)).filter((p) => p.cents > 0)
    : null;
  const run = await startRun("ingest", options, () => stopping.abort());
  const report: IngestReport = { ...run.header, targets: TARGETS, pgbench: null, profiles: {}, runs: [], cdnow: [] };
  const measuresLoad = options.workloads.includes("single") || options.workloads.includes("batch");
  await measureRun(run, options, report, measuresLoad ? pgbenchConcurrencies(options) : null, async () => {
    for (const engine of options.engines) await benchEngine(engine, options, run, report, purchases);
  });
  compareWithPgbench(report.runs, report.pgbench, (r) => r.eventsPerSecond);

  printReport(report, options, writeReport(report, options, run.startedAt));
  const failedChecks = report.cdnow.some((c) => c.checks.some((k) => !k.ok) || (c.verify !== null && !c.verify.ok));
  if (failedChecks) console.log("\nA CDNOW check FAILED (see above): the numbers above are not valid.");
  return failedChecks ? 1 : 0;
});
