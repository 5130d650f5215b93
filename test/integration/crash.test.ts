/**
 * Crash safety: a server is killed with SIGKILL in the middle of a stream of keyed adjustments,
 * then started again on the same data. Every request that was acknowledged is in the ledger;
 * a request that got no answer either landed or did not, and retrying it with its
 * Idempotency-Key makes it land exactly once; `stampbook verify` passes, on PGlite (a data
 * directory) and on PostgreSQL.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { openDatabase } from "../../src/db/database.ts";
import {
  type ApiClient,
  type ApiResponse,
  apiClient,
  type ChildEnv,
  runCli,
  type ServerProcess,
  startServer,
  stopServers,
} from "../helpers/server-process.ts";

const ROOT_KEY = "crash-test-root-key-0123456789abcdef";
const postgresUrl = inject("postgresUrl");
const engines = postgresUrl ? (["pglite", "postgres"] as const) : (["pglite"] as const);
if (!postgresUrl) console.warn("crash.test.ts: SKIPPING the PostgreSQL crash test (no PostgreSQL in this run); PGlite only.");

/** Requests in the stream, how many run at once, and after how many acknowledgements the kill comes. */
const PLANNED = 600;
const CONCURRENCY = 16;
const MEMBERS = 4;
const KILL_AFTER = { pglite: 80, postgres: 200 } as const;
/** A bound against hangs, not a budget: each PGlite open of the data directory alone takes seconds. */
const TEST_TIMEOUT_MS = 150_000;

interface Attempt {
  index: number;
  key: string;
  member: string;
  points: number;
  reason: string;
  outcome: "pending" | "acknowledged" | "rejected" | "no answer";
  transactionId?: string;
  response?: ApiResponse;
}

const spawned: ServerProcess[] = [];
const tempDirs: string[] = [];

afterAll(async () => {
  await stopServers(spawned);
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function start(env: ChildEnv, label: string): Promise<ServerProcess> {
  const server = await startServer({ env, label, readyTimeoutMs: 60_000 });
  spawned.push(server);
  return server;
}

async function verifyWithCli(env: ChildEnv) {
  const result = await runCli(["verify", "--json"], { env, timeoutMs: 60_000 });
  expect(result.code, `stampbook verify: ${result.stderr}\n${result.stdout}`).toBe(0);
  const report = JSON.parse(result.stdout);
  expect(report.ok).toBe(true);
  return report as { counts: { transactions: number } };
}

/** Every entry of a member's ledger, following the cursor. */
async function ledgerOf(client: ApiClient, member: string) {
  const entries: { id: string; reason: string | null; points: number; type: string }[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const res: ApiResponse = await client.call(
      "GET",
      `/v1/members/${member}/ledger?limit=200${cursor ? `&cursor=${cursor}` : ""}`,
    );
    expect(res.status).toBe(200);
    entries.push(...res.body.data);
    cursor = res.body.nextCursor;
    if (!cursor) return entries;
  }
  throw new Error("ledger did not end within 100 pages");
}

describe.each(engines)("kill -9 in the middle of a stream of adjustments, on %s", (engine) => {
  it("keeps every acknowledged request, converges on retry, and verifies", { timeout: TEST_TIMEOUT_MS }, async () => {
    const phases: string[] = [];
    let mark = performance.now();
    const phase = (name: string) => {
      const now = performance.now();
      phases.push(`${name} ${Math.round(now - mark)} ms`);
      mark = now;
    };
    const env: ChildEnv = { STAMPBOOK_ROOT_KEY: ROOT_KEY, DATABASE_POOL_SIZE: "8" };
    const killAfter = KILL_AFTER[engine];
    if (engine === "postgres") env.DATABASE_URL = postgresUrl ?? "";
    else {
      const dir = await mkdtemp(join(tmpdir(), "stampbook-crash-"));
      tempDirs.push(dir);
      env.STAMPBOOK_DATA_DIR = join(dir, "data");
      // Start from the run's migrated template: an initdb of a new data directory takes many seconds.
      const template = inject("pgliteTemplate");
      if (template) {
        const seeded = await openDatabase({
          engine: "pglite",
          dataDir: env.STAMPBOOK_DATA_DIR,
          loadDataDir: new Blob([await readFile(template)]),
        });
        await seeded.close();
      }
    }

    phase("data");
    const first = await start(env, `${engine}-before-crash`);
    phase("start");
    const program = await apiClient(first.url, ROOT_KEY).call("POST", "/v1/programs", {
      name: `Crash ${engine}`,
      currency: "USD",
      timezone: "UTC",
    });
    expect(program.status).toBe(201);
    const key: string = program.body.apiKey.secret;
    let client = apiClient(first.url, key);
    const members: string[] = [];
    for (let i = 0; i < MEMBERS; i++) {
      const res = await client.call("POST", "/v1/members", {});
      expect(res.status).toBe(201);
      members.push(res.body.id);
    }

    const tag = Date.now().toString(36);
    const plan: Attempt[] = Array.from({ length: PLANNED }, (_, index) => ({
      index,
      key: `crash-${engine}-${tag}-${index}`,
      member: members[index % members.length] ?? "",
      points: (index % 9) + 1,
      reason: `crash stream ${index}`,
      outcome: "pending",
    }));

    // The stream: CONCURRENCY workers take the next request; the kill comes once `killAfter` are
    // acknowledged, with requests in flight. A worker stops at its first unanswered request.
    let next = 0;
    let acknowledged = 0;
    let killed: Promise<unknown> | null = null;
    const send = (c: ApiClient, a: Attempt) =>
      c.call(
        "POST",
        `/v1/members/${a.member}/adjustments`,
        { points: a.points, reason: a.reason },
        {
          idempotencyKey: a.key,
          timeoutMs: 30_000,
        },
      );
    const worker = async () => {
      for (;;) {
        const attempt = plan[next++];
        if (!attempt) return;
        try {
          const res = await send(client, attempt);
          attempt.response = res;
          if (res.status === 201) {
            attempt.outcome = "acknowledged";
            attempt.transactionId = res.body.transaction.id;
            acknowledged += 1;
            if (!killed && acknowledged >= killAfter) killed = first.kill();
          } else attempt.outcome = "rejected";
        } catch {
          attempt.outcome = "no answer";
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await killed;
    phase("stream and kill");
    expect(first.exitInfo()?.signal, "the server was killed mid-stream").toBe("SIGKILL");

    const started = plan.filter((a) => a.outcome !== "pending");
    const acked = started.filter((a) => a.outcome === "acknowledged");
    const unanswered = started.filter((a) => a.outcome === "no answer");
    const rejected = started.filter((a) => a.outcome === "rejected");
    expect(rejected.map((a) => a.response?.body)).toEqual([]);
    expect(acked.length).toBeGreaterThanOrEqual(killAfter);
    expect(unanswered.length, "requests were in flight when the server died").toBeGreaterThan(0);

    // What the crashed database holds must already verify, before any server touches it again.
    // (On PGlite each open of the data directory costs seconds; the final verify covers it there.)
    if (engine === "postgres") await verifyWithCli(env);
    phase("verify after crash");

    const second = await start(env, `${engine}-after-crash`);
    phase("restart");
    client = apiClient(second.url, key);

    // Every acknowledged request is in the ledger, as acknowledged.
    const found = await Promise.all(acked.map((a) => client.call("GET", `/v1/ledger/transactions/${a.transactionId}`)));
    for (const [i, res] of found.entries()) {
      const a = acked[i];
      expect({ status: res.status, points: res.body.points, member: res.body.memberId, reason: res.body.reason }).toEqual({
        status: 200,
        points: a?.points,
        member: a?.member,
        reason: a?.reason,
      });
    }
    const balancesAfterCrash = await Promise.all(members.map((m) => client.call("GET", `/v1/members/${m}/balance`)));

    // Retrying the unanswered requests: a replay means it landed before the crash, a fresh 201
    // means it did not; either way it is in the ledger exactly once now.
    const retried = await Promise.all(unanswered.map((a) => send(client, a)));
    const landedBeforeCrash = new Set<number>();
    for (const [i, res] of retried.entries()) {
      const a = unanswered[i];
      if (!a) continue;
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      if (res.headers.get("idempotent-replayed") === "true") landedBeforeCrash.add(a.index);
      a.transactionId = res.body.transaction.id;
    }
    const sum = (attempts: Attempt[], member: string) =>
      attempts.filter((a) => a.member === member).reduce((total, a) => total + a.points, 0);
    for (const [i, member] of members.entries()) {
      const landed = unanswered.filter((a) => landedBeforeCrash.has(a.index));
      expect(balancesAfterCrash[i]?.body.available, `balance of ${member} right after the crash`).toBe(
        sum(acked, member) + sum(landed, member),
      );
      const now = await client.call("GET", `/v1/members/${member}/balance`);
      expect(now.body.available, `balance of ${member} after the retries`).toBe(sum(started, member));
    }

    // Every key once more: all replays now, with the transaction first reported, nothing new.
    const again = await Promise.all(started.map((a) => send(client, a)));
    for (const [i, res] of again.entries()) {
      expect({ status: res.status, replayed: res.headers.get("idempotent-replayed"), txn: res.body.transaction?.id }).toEqual({
        status: 201,
        replayed: "true",
        txn: started[i]?.transactionId,
      });
    }
    const entries = (await Promise.all(members.map((m) => ledgerOf(client, m)))).flat();
    expect(entries.map((e) => e.id).sort()).toEqual(started.map((a) => a.transactionId).sort());

    phase("checks and retries");
    for (const server of [first, second]) expect(server.output(), server.label).not.toMatch(/"level":(50|60)/);

    // PGlite allows one process on a data directory: stop the server before verifying.
    if (engine === "pglite") await second.stop();
    const report = await verifyWithCli(env);
    if (engine === "pglite") expect(report.counts.transactions).toBe(started.length);
    phase("final verify");
    console.info(
      `${engine}: ${started.length} requests started, ${acked.length} acknowledged before kill -9, ` +
        `${unanswered.length} unanswered (${landedBeforeCrash.size} had landed, ${unanswered.length - landedBeforeCrash.size} had not); ` +
        `${entries.length} ledger entries after retries; ${phases.join(", ")}`,
    );
  });
});
