/**
 * Concurrency: many mutating requests at once on the same members, through three real server
 * processes on one PostgreSQL database, and through the in-process app on PGlite. Whatever the
 * interleaving, no client sees a 5xx or a deadlock, nobody spends a point twice, each
 * idempotency key takes effect once, and every ledger invariant holds afterwards.
 */
import { type Kysely, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openDatabase } from "../../src/db/database.ts";
import { loadMigrations } from "../../src/db/migrator.ts";
import type { DB } from "../../src/db/schema.ts";
import { verifyLedger } from "../../src/ledger/ledger.verify.ts";
import {
  type ApiResponse,
  apiClient,
  runCli,
  type ServerProcess,
  startServer,
  startServers,
  stopServers,
} from "../helpers/server-process.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const postgresUrl = inject("postgresUrl");
const ROOT_KEY = "concurrency-root-key-0123456789abcdef";
const HOLD_TTL_SECONDS = 3600;
/** A bound against hangs, not a budget: a quiet 2-core machine runs each test in a fraction of it. */
const TEST_TIMEOUT_MS = 150_000;

if (!postgresUrl) {
  console.warn(
    "concurrency.test.ts: SKIPPING the multi-process PostgreSQL tests (no PostgreSQL in this run); only the PGlite test runs.",
  );
}

/** A small seeded generator, so a failing interleaving of amounts can be rerun. */
function seeded(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return { next, int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)) };
}

type Send = (target: number, method: string, path: string, body?: unknown, idempotencyKey?: string) => Promise<ApiResponse>;

type Kind = "credit" | "debit" | "hold" | "capture" | "void" | "transfer" | "duplicate" | "conflicting";

/** The 409 codes each kind of request may legitimately get; anything else non-2xx is a failure. */
const EXPECTED_CONFLICTS: Record<Kind, string[]> = {
  credit: [],
  debit: ["insufficient_points"],
  hold: ["insufficient_points"],
  capture: ["hold_not_active"],
  void: ["hold_not_active"],
  transfer: ["insufficient_points"],
  duplicate: ["insufficient_points"],
  conflicting: ["idempotency_conflict"],
};

interface Scale {
  generalMembers: number;
  initialPoints: number;
  creditsPerMember: number;
  debitsPerMember: number;
  holdsPerMember: number;
  transfersPerDirection: number;
  hotInitial: number;
  /** Requests of HOT_UNIT points each (half holds, half debits) on one member. */
  hotRequests: number;
  duplicateGroups: number;
  conflictingPairs: number;
}

const HOT_UNIT = 10;

/** What the successful (2xx) answers say happened, keyed by ledger ids so replays count once. */
class Outcome {
  readonly credits = new Map<string, { member: string; points: number }>();
  readonly debits = new Map<string, { member: string; points: number }>();
  readonly transfers = new Map<string, { from: string; to: string; points: number }>();
  readonly holds = new Map<string, { member: string; points: number; txn: string }>();
  readonly captured = new Map<string, { points: number; txn: string }>();
  readonly voided = new Map<string, { txn: string }>();
  readonly statuses = new Map<string, number>();
  readonly unexpected: string[] = [];
  /** Connections that failed without an answer (each then retried with its key). */
  readonly transportFailures: string[] = [];
  readonly retriedKeys = new Set<string>();
  readonly duplicateGroups: { reason: string; key: string; responses: ApiResponse[] }[] = [];
  readonly conflictingPairs: { reason: string; responses: ApiResponse[] }[] = [];
  hotSuccesses = 0;
  requests = 0;
  inFlight = 0;
  maxInFlight = 0;
  burst = 0;

  recordEntry(kind: "credit" | "debit" | "transfer", res: ApiResponse, member: string, points: number, to?: string) {
    const txn: string = res.body.transaction.id;
    if (kind === "credit") this.credits.set(txn, { member, points });
    else if (kind === "debit") this.debits.set(txn, { member, points });
    else this.transfers.set(txn, { from: member, to: to ?? "", points });
  }

  /** Every ledger transaction a client was told about. */
  transactionIds(): string[] {
    return [
      ...this.credits.keys(),
      ...this.debits.keys(),
      ...this.transfers.keys(),
      ...[...this.holds.values()].map((h) => h.txn),
      ...[...this.captured.values()].map((c) => c.txn),
      ...[...this.voided.values()].map((v) => v.txn),
    ];
  }

  /** Balances the answers imply: credits - debits +/- transfers - captured - still held. */
  expectedBalance(member: string): { available: number; held: number } {
    let available = 0;
    let held = 0;
    for (const c of this.credits.values()) if (c.member === member) available += c.points;
    for (const d of this.debits.values()) if (d.member === member) available -= d.points;
    for (const t of this.transfers.values()) {
      if (t.from === member) available -= t.points;
      if (t.to === member) available += t.points;
    }
    for (const [id, h] of this.holds) {
      if (h.member !== member) continue;
      const captured = this.captured.get(id);
      if (captured) available -= captured.points;
      else if (!this.voided.has(id)) {
        available -= h.points;
        held += h.points;
      }
    }
    return { available, held };
  }
}

/**
 * Runs the whole scenario through `send` (target = which server) and returns what the answers
 * said. Setup is sequential; then every request of the burst is started at once.
 */
async function runBurst(send: Send, targets: number, scale: Scale, seed: number) {
  const rnd = seeded(seed);
  const out = new Outcome();
  const tag = `${seed.toString(36)}${Date.now().toString(36)}`;

  let keys = 0;
  /**
   * One request, as a careful client sends it: with an Idempotency-Key, and retried with the same
   * key when the connection fails without an answer (a kept-alive socket the server closed just
   * then), which the key makes safe. An HTTP answer, 5xx included, is never retried.
   */
  const call = async (
    kind: Kind,
    target: number,
    method: string,
    path: string,
    body?: unknown,
    key = `burst-${tag}-${++keys}`,
  ): Promise<ApiResponse | null> => {
    const where = `${kind} ${method} ${path} on server ${target % targets}`;
    out.requests += 1;
    out.inFlight += 1;
    out.maxInFlight = Math.max(out.maxInFlight, out.inFlight);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await send(target % targets, method, path, body, method === "GET" ? undefined : key);
          const code: string | undefined = res.status >= 400 ? res.body?.error?.code : undefined;
          const label = code ? `${res.status} ${code}` : String(res.status);
          out.statuses.set(label, (out.statuses.get(label) ?? 0) + 1);
          const ok = res.status >= 200 && res.status < 300;
          if (!ok && !(res.status === 409 && code && EXPECTED_CONFLICTS[kind].includes(code))) {
            out.unexpected.push(`${where}: ${res.status} ${JSON.stringify(res.body)}`);
          }
          if (attempt > 1) out.retriedKeys.add(key);
          return res;
        } catch (error) {
          out.transportFailures.push(`${where}: ${error instanceof Error ? error.message : String(error)}`);
          if (attempt < 3) continue;
          out.unexpected.push(`${where}: no answer after ${attempt} attempts`);
          out.statuses.set("no answer", (out.statuses.get("no answer") ?? 0) + 1);
          return null;
        }
      }
    } finally {
      out.inFlight -= 1;
    }
  };
  const is2xx = (res: ApiResponse | null): res is ApiResponse => res !== null && res.status >= 200 && res.status < 300;

  const createMember = async (i: number) => {
    const res = await call("credit", i, "POST", "/v1/members", { externalId: `m-${tag}-${i}` });
    if (res?.status !== 201) throw new Error(`setup: could not create a member: ${JSON.stringify(res?.body)}`);
    return res.body.id as string;
  };
  const credit = async (target: number, member: string, points: number, key?: string) => {
    const res = await call("credit", target, "POST", `/v1/members/${member}/adjustments`, { points, reason: "credit" }, key);
    if (is2xx(res)) out.recordEntry("credit", res, member, points);
    return res;
  };

  // Setup, one request at a time.
  const general: string[] = [];
  for (let i = 0; i < scale.generalMembers; i++) general.push(await createMember(i));
  const hot = await createMember(scale.generalMembers);
  for (const [i, m] of general.entries()) {
    if (!is2xx(await credit(i, m, scale.initialPoints))) throw new Error("setup: initial credit failed");
  }
  if (!is2xx(await credit(0, hot, scale.hotInitial))) throw new Error("setup: initial credit failed");
  const pick = () => general[rnd.int(0, general.length - 1)] ?? "";

  const burst: (() => Promise<unknown>)[] = [];
  let target = 0;
  const nextTarget = () => target++;

  for (const member of general) {
    for (let i = 0; i < scale.creditsPerMember; i++) {
      const points = rnd.int(1, 50);
      const t = nextTarget();
      burst.push(() => credit(t, member, points));
    }
    for (let i = 0; i < scale.debitsPerMember; i++) {
      const points = rnd.int(10, 120);
      const t = nextTarget();
      burst.push(async () => {
        const res = await call("debit", t, "POST", `/v1/members/${member}/adjustments`, { points: -points, reason: "debit" });
        if (is2xx(res)) out.recordEntry("debit", res, member, points);
      });
    }
    for (let i = 0; i < scale.holdsPerMember; i++) {
      const points = rnd.int(20, 150);
      const partial = rnd.next() < 0.5 ? rnd.int(1, points) : undefined;
      const voidFirst = rnd.next() < 0.5;
      const t = nextTarget();
      burst.push(async () => {
        const body = { points, reason: "hold", ttlSeconds: HOLD_TTL_SECONDS };
        const res = await call("hold", t, "POST", `/v1/members/${member}/holds`, body);
        if (!is2xx(res)) return;
        const holdId: string = res.body.id;
        out.holds.set(holdId, { member, points, txn: res.body.transactionId });
        // A capture and a void race on the same hold from two other servers: exactly one wins.
        const capture = () =>
          call("capture", t + 1, "POST", `/v1/holds/${holdId}/capture`, partial === undefined ? {} : { points: partial });
        const release = () => call("void", t + 2, "POST", `/v1/holds/${holdId}/void`, {});
        const [captured, voided] = voidFirst
          ? await Promise.all([release(), capture()]).then(([v, c]) => [c, v] as const)
          : await Promise.all([capture(), release()]);
        if (is2xx(captured))
          out.captured.set(holdId, { points: captured.body.capturedPoints, txn: captured.body.closedTransactionId });
        if (is2xx(voided)) out.voided.set(holdId, { txn: voided.body.closedTransactionId });
        if (is2xx(captured) === is2xx(voided)) {
          out.unexpected.push(`hold ${holdId}: capture ${captured?.status} and void ${voided?.status}; exactly one must win`);
        }
      });
    }
  }

  // Transfers both ways between neighbours: each pair locks the same two members in opposite orders.
  for (let i = 0; i < general.length; i++) {
    const a = general[i] ?? "";
    const b = general[(i + 1) % general.length] ?? "";
    for (let j = 0; j < scale.transfersPerDirection; j++) {
      for (const [from, to] of [
        [a, b],
        [b, a],
      ] as const) {
        const points = rnd.int(5, 80);
        const t = nextTarget();
        burst.push(async () => {
          const res = await call("transfer", t, "POST", "/v1/transfers", {
            fromMemberId: from,
            toMemberId: to,
            points,
            reason: "transfer",
          });
          if (is2xx(res)) out.recordEntry("transfer", res, from, points, to);
        });
      }
    }
  }

  // One member asked for far more than it has, in equal units: exactly hotInitial / HOT_UNIT may succeed.
  for (let i = 0; i < scale.hotRequests; i++) {
    const t = nextTarget();
    if (i % 2 === 0) {
      burst.push(async () => {
        const body = { points: HOT_UNIT, reason: "hot hold", ttlSeconds: HOLD_TTL_SECONDS };
        const res = await call("hold", t, "POST", `/v1/members/${hot}/holds`, body);
        if (!is2xx(res)) return;
        out.hotSuccesses += 1;
        out.holds.set(res.body.id, { member: hot, points: HOT_UNIT, txn: res.body.transactionId });
      });
    } else {
      burst.push(async () => {
        const res = await call("debit", t, "POST", `/v1/members/${hot}/adjustments`, { points: -HOT_UNIT, reason: "hot debit" });
        if (!is2xx(res)) return;
        out.hotSuccesses += 1;
        out.recordEntry("debit", res, hot, HOT_UNIT);
      });
    }
  }

  // The same Idempotency-Key sent at once to every server: one effect, identical answers.
  for (let g = 0; g < scale.duplicateGroups; g++) {
    const variant = g % 3;
    const reason = `dup-${tag}-${g}`;
    const member = pick();
    const other = general.find((m) => m !== member) ?? "";
    const request =
      variant === 0
        ? { path: `/v1/members/${member}/adjustments`, body: { points: 7, reason } }
        : variant === 1
          ? { path: `/v1/members/${member}/adjustments`, body: { points: -30, reason } }
          : { path: "/v1/transfers", body: { fromMemberId: member, toMemberId: other, points: 11, reason } };
    const group = { reason, key: `key-${reason}`, responses: [] as ApiResponse[] };
    out.duplicateGroups.push(group);
    for (let copy = 0; copy < Math.max(targets, 3); copy++) {
      burst.push(async () => {
        const res = await call("duplicate", copy, "POST", request.path, request.body, group.key);
        if (!res) return;
        group.responses.push(res);
        if (!is2xx(res)) return;
        if (variant === 0) out.recordEntry("credit", res, member, 7);
        else if (variant === 1) out.recordEntry("debit", res, member, 30);
        else out.recordEntry("transfer", res, member, 11, other);
      });
    }
  }

  // The same key with two different bodies at once: one runs, the other is a conflict.
  for (let p = 0; p < scale.conflictingPairs; p++) {
    const reason = `conflict-${tag}-${p}`;
    const member = pick();
    const pair = { reason, responses: [] as ApiResponse[] };
    out.conflictingPairs.push(pair);
    for (const [copy, points] of [
      [0, 5],
      [1, 6],
    ] as const) {
      burst.push(async () => {
        const res = await call(
          "conflicting",
          copy,
          "POST",
          `/v1/members/${member}/adjustments`,
          { points, reason },
          `key-${reason}`,
        );
        if (!res) return;
        pair.responses.push(res);
        if (is2xx(res)) out.recordEntry("credit", res, member, points);
      });
    }
  }

  // Interleave the kinds, then start every request of the burst in the same tick.
  for (let i = burst.length - 1; i > 0; i--) {
    const j = rnd.int(0, i);
    [burst[i], burst[j]] = [burst[j] as () => Promise<unknown>, burst[i] as () => Promise<unknown>];
  }
  out.burst = burst.length;
  const started = performance.now();
  await Promise.all(burst.map((request) => request()));
  return { out, general, hot, ms: Math.round(performance.now() - started) };
}

/** Everything that must hold after a burst, checked against the database and the balance API. */
async function checkOutcome(
  result: Awaited<ReturnType<typeof runBurst>>,
  read: (path: string) => Promise<ApiResponse>,
  db: Kysely<DB>,
  programId: string,
  scale: Scale,
) {
  const { out, general, hot } = result;
  expect(out.unexpected, out.unexpected.slice(0, 10).join("\n")).toEqual([]);
  for (const label of out.statuses.keys()) expect(label, "only 2xx or an expected 409").toMatch(/^(20[01]|409 [a-z_]+)$/);

  // The hot member: exactly as many unit requests succeeded as its points allow, not one more.
  expect(out.hotSuccesses).toBe(scale.hotInitial / HOT_UNIT);

  // Balances equal what the 2xx answers add up to; nothing is spendable twice, nothing negative.
  for (const member of [...general, hot]) {
    const expected = out.expectedBalance(member);
    const balance = await read(`/v1/members/${member}/balance`);
    expect(balance.status).toBe(200);
    expect({ member, available: balance.body.available, held: balance.body.held }).toEqual({ member, ...expected });
    expect(balance.body.available).toBeGreaterThanOrEqual(0);
  }
  expect(out.expectedBalance(hot)).toEqual({
    available: 0,
    held: HOT_UNIT * [...out.holds.values()].filter((h) => h.member === hot).length,
  });

  // The ledger holds exactly the transactions clients were told about: none lost, none extra.
  const rows = await db
    .selectFrom("ledger_transactions")
    .select(["id", "reason"])
    .where("program_id", "=", programId)
    .where("actor", "<>", "system:jobs")
    .execute();
  const told = out.transactionIds();
  expect(new Set(told).size).toBe(told.length);
  expect(rows.map((r) => r.id).sort()).toEqual([...told].sort());

  // Holds: captured, voided or still active exactly as the answers said.
  const holds = await db
    .selectFrom("holds")
    .select(["id", "status", "captured_points"])
    .where("program_id", "=", programId)
    .execute();
  expect(holds.length).toBe(out.holds.size);
  for (const h of holds) {
    const captured = out.captured.get(h.id);
    const want = captured ? "captured" : out.voided.has(h.id) ? "voided" : "active";
    expect({ id: h.id, status: h.status, captured: h.captured_points }).toEqual({
      id: h.id,
      status: want,
      captured: captured ? captured.points : null,
    });
  }

  // The same key at once on several servers: identical answers, one of them fresh, one effect.
  const byReason = new Map<string, number>();
  for (const r of rows) if (r.reason) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1);
  for (const group of out.duplicateGroups) {
    expect(group.responses.length).toBeGreaterThanOrEqual(3);
    const first = group.responses[0];
    for (const res of group.responses) {
      expect({ status: res.status, body: res.body }).toEqual({ status: first?.status, body: first?.body });
    }
    // A copy retried after a lost answer may replay the answer the lost one would have carried.
    const fresh = group.responses.filter((r) => r.headers.get("idempotent-replayed") !== "true").length;
    if (out.retriedKeys.has(group.key)) expect(fresh).toBeLessThanOrEqual(1);
    else expect(fresh).toBe(1);
    const succeeded = first !== undefined && first.status < 300;
    expect(byReason.get(group.reason) ?? 0, group.reason).toBe(succeeded ? 1 : 0);
  }
  for (const pair of out.conflictingPairs) {
    expect(pair.responses.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(byReason.get(pair.reason), pair.reason).toBe(1);
  }

  const report = await verifyLedger(db, new Date());
  expect(report.checks.filter((c) => c.violations > 0)).toEqual([]);
  expect(report.ok).toBe(true);
}

const summary = (engine: string, r: Awaited<ReturnType<typeof runBurst>>) =>
  `${engine}: ${r.out.requests} requests (${r.out.burst} started at once, ${r.out.maxInFlight} in flight at most) in ${r.ms} ms; ` +
  `statuses ${JSON.stringify(Object.fromEntries([...r.out.statuses].sort()))}; ` +
  `${r.out.holds.size} holds (${r.out.captured.size} captured, ${r.out.voided.size} voided), ${r.out.transfers.size} transfers; ` +
  `${r.out.transportFailures.length} connection failures retried with their key${
    r.out.transportFailures.length ? ` (${r.out.transportFailures.slice(0, 3).join("; ")})` : ""
  }`;

describe.skipIf(!postgresUrl)("concurrency on PostgreSQL across three server processes", () => {
  const servers: ServerProcess[] = [];
  let database: Awaited<ReturnType<typeof openDatabase>> | null = null;

  beforeAll(async () => {
    const url = postgresUrl ?? "";
    const env = { DATABASE_URL: url, STAMPBOOK_ROOT_KEY: ROOT_KEY, DATABASE_POOL_SIZE: "8" };
    await startServers(3, { env, label: "pg-server" }, servers);
    database = await openDatabase({ engine: "postgres", url, poolSize: 2 });
  });

  afterAll(async () => {
    await stopServers(servers);
    await database?.close();
  });

  it("serves 1,000+ concurrent mutations with no 5xx, no double spend, one effect per key, and a ledger that verifies", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    if (!database || !postgresUrl) throw new Error("setup did not finish");
    const { db } = database;
    const root = apiClient(servers[0]?.url ?? "", ROOT_KEY);
    const created = await root.call("POST", "/v1/programs", { name: "Concurrency", currency: "USD", timezone: "UTC" });
    expect(created.status).toBe(201);
    const clients = servers.map((s) => apiClient(s.url, created.body.apiKey.secret));
    const send: Send = (target, method, path, body, key) => {
      const client = clients[target];
      if (!client) throw new Error(`no server ${target}`);
      return client.call(method, path, body, { ...(key && { idempotencyKey: key }), timeoutMs: 90_000 });
    };
    const scale: Scale = {
      generalMembers: 6,
      initialPoints: 2_000,
      creditsPerMember: 40,
      debitsPerMember: 40,
      holdsPerMember: 30,
      transfersPerDirection: 12,
      hotInitial: 1_000,
      hotRequests: 300,
      duplicateGroups: 30,
      conflictingPairs: 8,
    };
    const deadlocks = () =>
      sql<{ n: number }>`select deadlocks::int as n from pg_stat_database where datname = current_database()`
        .execute(db)
        .then((r) => r.rows[0]?.n ?? 0);
    const deadlocksBefore = await deadlocks();
    const result = await runBurst(send, clients.length, scale, 20_260_115);
    console.info(
      `${summary("PostgreSQL, 3 processes", result)}; deadlocks PostgreSQL detected (and the servers retried): ` +
        `${(await deadlocks()) - deadlocksBefore} (statistics may lag)`,
    );
    expect(result.out.burst).toBeGreaterThanOrEqual(1_000);
    expect(result.out.maxInFlight).toBeGreaterThanOrEqual(1_000);
    // Every server took part, and none logged an error.
    for (const server of servers) {
      expect(server.exitInfo(), server.label).toBeNull();
      expect(server.output(), server.label).not.toMatch(/"level":(50|60)/);
    }

    await checkOutcome(result, (path) => send(1, "GET", path), db, created.body.program.id, scale);

    const cli = await runCli(["verify", "--json"], { env: { DATABASE_URL: postgresUrl } });
    expect(cli.code, cli.stderr || cli.stdout).toBe(0);
    expect(JSON.parse(cli.stdout).ok).toBe(true);
  });

  it("migrates a brand-new database safely when three servers start on it at once", { timeout: TEST_TIMEOUT_MS }, async () => {
    if (!postgresUrl) throw new Error("no PostgreSQL");
    const name = `stampbook_migrate_${process.pid}_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    const fresh = new URL(postgresUrl);
    fresh.pathname = `/${name}`;
    const started: ServerProcess[] = [];
    try {
      await admin.query(`create database ${name}`);
      // No STAMPBOOK_ROOT_KEY: exactly one of the three must create (and print) the operator key.
      const env = { DATABASE_URL: fresh.toString(), STAMPBOOK_ROOT_KEY: undefined, DATABASE_POOL_SIZE: "4" };
      const results = await Promise.allSettled(
        [0, 1, 2].map((i) => startServer({ env, label: `fresh-db-server-${i}`, readyTimeoutMs: 60_000 })),
      );
      for (const r of results) if (r.status === "fulfilled") started.push(r.value);
      const failures = results.flatMap((r) => (r.status === "rejected" ? [String(r.reason)] : []));
      expect(failures).toEqual([]);

      const check = new pg.Client({ connectionString: fresh.toString() });
      await check.connect();
      try {
        const applied = await check.query<{ version: number; name: string }>(
          "select version, name from schema_migrations order by version",
        );
        expect(applied.rows).toEqual(loadMigrations().map((m) => ({ version: m.version, name: m.name })));
        const rootKeys = await check.query<{ n: number }>("select count(*)::int as n from api_keys where scope = 'root'");
        expect(rootKeys.rows[0]?.n).toBe(1);
      } finally {
        await check.end();
      }

      const printed = started.flatMap((s) => {
        const match = s.output().match(/Operator \(root\) key, shown once; store it now:\s+(\S+)/);
        return match?.[1] ? [match[1]] : [];
      });
      expect(printed.length, "servers that printed a new operator key").toBe(1);
      const rootKey = printed[0] ?? "";
      // Every server answers on the migrated schema, with the one operator key.
      for (const [i, server] of started.entries()) {
        const root = apiClient(server.url, rootKey);
        const program = await root.call("POST", "/v1/programs", { name: `Fresh ${i}`, currency: "EUR", timezone: "UTC" });
        expect(program.status, JSON.stringify(program.body)).toBe(201);
        const client = apiClient(server.url, program.body.apiKey.secret);
        const member = await client.call("POST", "/v1/members", {});
        expect(member.status).toBe(201);
        const credit = await client.call("POST", `/v1/members/${member.body.id}/adjustments`, { points: 10, reason: "hello" });
        expect(credit.status).toBe(201);
      }
    } finally {
      await stopServers(started);
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});

describe("concurrency on PGlite, in process", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp("pglite");
  });
  afterAll(() => t?.close());

  it("serializes hundreds of concurrent mutations with no double spend and one effect per key", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const p = await t.createProgram();
    const send: Send = (_target, method, path, body, key) => p.call(method, path, body, key ? { idempotencyKey: key } : {});
    const scale: Scale = {
      generalMembers: 4,
      initialPoints: 1_000,
      creditsPerMember: 20,
      debitsPerMember: 20,
      holdsPerMember: 15,
      transfersPerDirection: 8,
      hotInitial: 500,
      hotRequests: 120,
      duplicateGroups: 12,
      conflictingPairs: 4,
    };
    // Three "targets" so duplicate keys still arrive three times at once.
    const result = await runBurst(send, 3, scale, 7);
    console.info(summary("PGlite, in process", result));
    expect(result.out.burst).toBeGreaterThanOrEqual(400);
    await checkOutcome(result, (path) => send(0, "GET", path), t.app.services.database.db, p.id, scale);
  });
});
